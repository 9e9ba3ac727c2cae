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
 * kernel and micro-batch size. Small and plain, so it travels with every task.
 */
public record WorkerSpec(String model, String loss, Precision precision, String kernel, int microBatchSize)
        implements java.io.Serializable {
    /** The worker spec of a run. */
    public static WorkerSpec of(TrainConfig config) {
        return new WorkerSpec(config.model(), config.loss(), config.precision(), config.kernel(), config.microBatchSize());
    }

    /** A new worker (one per thread). */
    public PartitionWorker newWorker() {
        return new PartitionWorker(ModelSpec.parse(model), Losses.byName(loss), AutocastPolicy.forPrecision(precision),
                new Gemm(GemmProviders.select(kernel)), microBatchSize);
    }

    /** A new evaluator (one per thread). */
    public Evaluator newEvaluator() {
        return new Evaluator(ModelSpec.parse(model), Losses.byName(loss), AutocastPolicy.forPrecision(precision),
                new Gemm(GemmProviders.select(kernel)), microBatchSize);
    }
}
