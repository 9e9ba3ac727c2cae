package io.sparkamp.spark.executor;

import io.sparkamp.core.train.Evaluator;
import io.sparkamp.core.train.PartitionWorker;
import io.sparkamp.core.train.WorkerSpec;

import java.util.HashMap;
import java.util.Map;

/**
 * Per-thread workers on an executor, kept across steps: a task thread reuses its model instance and
 * scratch buffers instead of rebuilding them every step. Workers are not thread-safe, hence per thread.
 */
final class WorkerCache {
    private static final ThreadLocal<Map<WorkerSpec, PartitionWorker>> WORKERS = ThreadLocal.withInitial(HashMap::new);
    private static final ThreadLocal<Map<WorkerSpec, Evaluator>> EVALUATORS = ThreadLocal.withInitial(HashMap::new);

    private WorkerCache() {
    }

    static PartitionWorker worker(WorkerSpec spec) {
        return WORKERS.get().computeIfAbsent(spec, WorkerSpec::newWorker);
    }

    static Evaluator evaluator(WorkerSpec spec) {
        return EVALUATORS.get().computeIfAbsent(spec, WorkerSpec::newEvaluator);
    }
}
