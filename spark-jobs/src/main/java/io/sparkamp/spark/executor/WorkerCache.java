package io.sparkamp.spark.executor;

import io.sparkamp.core.train.Evaluator;
import io.sparkamp.core.train.PartitionWorker;
import io.sparkamp.core.train.WorkerSpec;

import java.util.function.Function;

/**
 * Per-thread workers on an executor, kept across steps: a task thread reuses its model instance and
 * its off-heap buffers instead of rebuilding them every step. Workers are not thread-safe, hence per
 * thread. Each thread keeps the worker of the last run it served; a task of another run closes it
 * (returning its off-heap memory) and builds its own.
 */
final class WorkerCache {
    private static final ThreadLocal<Slot<PartitionWorker>> WORKERS = ThreadLocal.withInitial(Slot::new);
    private static final ThreadLocal<Slot<Evaluator>> EVALUATORS = ThreadLocal.withInitial(Slot::new);

    private WorkerCache() {
    }

    static PartitionWorker worker(WorkerSpec spec) {
        return WORKERS.get().get(spec, WorkerSpec::newWorker);
    }

    static Evaluator evaluator(WorkerSpec spec) {
        return EVALUATORS.get().get(spec, WorkerSpec::newEvaluator);
    }

    /** The one cached value of a thread and the spec it was built for. */
    private static final class Slot<T extends AutoCloseable> {
        private WorkerSpec spec;
        private T value;

        T get(WorkerSpec wanted, Function<WorkerSpec, T> build) {
            if (value == null || !wanted.equals(spec)) {
                if (value != null) {
                    try {
                        value.close();
                    } catch (Exception e) {
                        throw new IllegalStateException("cannot close the worker of " + spec, e);
                    }
                }
                value = null;
                value = build.apply(wanted);
                spec = wanted;
            }
            return value;
        }
    }
}
