package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmProviders;

/**
 * The little a worker needs to rebuild its compute on another JVM: model spec, loss, precision, GEMM
 * kernel, micro-batch size and threads per task. Small and plain, so it travels with every task.
 */
public record WorkerSpec(String model, String loss, Precision precision, String kernel, int microBatchSize, int taskThreads)
        implements java.io.Serializable {
    /** The worker spec of a run. */
    public static WorkerSpec of(TrainConfig config) {
        return new WorkerSpec(config.model(), config.loss(), config.precision(), config.kernel(), config.microBatchSize(),
                config.taskThreads());
    }

    /** The same spec computing with {@code kernelName} (e.g. the kernel {@code auto} chose on the driver). */
    public WorkerSpec withKernel(String kernelName) {
        return new WorkerSpec(model, loss, precision, kernelName, microBatchSize, taskThreads);
    }

    /** A new worker (one per task thread; it starts its own helper threads when taskThreads > 1). */
    public PartitionWorker newWorker() {
        ModelSpec spec = ModelSpec.parse(model);
        return new PartitionWorker(spec, Losses.byName(loss), AutocastPolicy.forPrecision(precision), gemm(spec), microBatchSize,
                taskThreads, singleThreaded()::newWorker);
    }

    /** The same spec with one thread per task: what the helper threads of a worker each run. */
    public WorkerSpec singleThreaded() {
        return new WorkerSpec(model, loss, precision, kernel, microBatchSize, 1);
    }

    /** A new evaluator (one per thread). */
    public Evaluator newEvaluator() {
        ModelSpec spec = ModelSpec.parse(model);
        return new Evaluator(spec, Losses.byName(loss), AutocastPolicy.forPrecision(precision), gemm(spec), microBatchSize);
    }

    private Gemm gemm(ModelSpec spec) {
        return new Gemm(GemmProviders.select(kernel, precision, spec.gemmShapes(microBatchSize)));
    }
}
