package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.ComputeContext;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.Sequential;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.ops.Gemm;

import java.util.SplittableRandom;

/**
 * The compute half of one training step on one partition, shared by the local trainer and the Spark
 * executors: pick this partition's rows, run forward and backward in micro-batches under the autocast
 * policy with the loss multiplied by the loss scale, and sum the FP32 gradients. Owns one model
 * instance, so it belongs to one thread.
 */
public final class PartitionWorker {
    private final ModelSpec model;
    private final Loss loss;
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final int microBatchSize;
    private final Sequential network;

    public PartitionWorker(ModelSpec model, Loss loss, AutocastPolicy policy, Gemm gemm, int microBatchSize) {
        if (microBatchSize <= 0) {
            throw new IllegalArgumentException("micro-batch-size must be positive, got " + microBatchSize);
        }
        this.model = model;
        this.loss = loss;
        this.policy = policy;
        this.gemm = gemm;
        this.microBatchSize = microBatchSize;
        this.network = model.instantiate();
    }

    /**
     * Gradients of this partition's share of the step's global batch.
     *
     * @param source      the partition's rows
     * @param partition   partition index (seeds sampling and dropout)
     * @param job         seed, step, share and the step's scaling
     * @param weights     the step's working weights
     */
    public GradientPartial compute(RowSource source, int partition, PartitionAssignment job, WorkingWeights weights) {
        long started = System.nanoTime();
        GradientPartial partial = new GradientPartial(weights.size());
        if (job.share() == 0 || source.rowCount() == 0) {
            return partial;
        }
        int[] rows = BatchPlan.rowsFor(job.seed(), partition, job.step(), job.share(), source.rowCount());
        float gradFactor = (float) ((double) job.lossScale() / job.globalBatch());
        int features = source.featureCount();
        int outputs = model.outputSize();
        int width = source.targetWidth();
        float[] x = new float[Math.min(microBatchSize, rows.length) * features];
        float[] targets = new float[Math.min(microBatchSize, rows.length) * width];
        float[] gradOutput = new float[Math.min(microBatchSize, rows.length) * outputs];
        int micro = 0;
        for (int start = 0; start < rows.length; start += microBatchSize, micro++) {
            int count = Math.min(microBatchSize, rows.length - start);
            for (int i = 0; i < count; i++) {
                source.copyFeatures(rows[start + i], x, i * features);
                source.copyTargets(rows[start + i], targets, i * width);
            }
            SplittableRandom random = new SplittableRandom(Seeds.mix(job.seed(), 0xD50L, job.step(), partition, micro));
            ComputeContext ctx = new ComputeContext(policy, gemm, weights, true, random);
            float[] output = network.forward(ctx, x, count);
            double lossSum = loss.sumAndGradient(output, targets, count, outputs, gradFactor, gradOutput);
            network.backward(ctx, gradOutput, count, partial.gradients());
            partial.addBatch(lossSum, count, loss.countCorrect(output, targets, count, outputs),
                    ctx.stats().gradientValuesCast(), ctx.stats().gradientValuesUnderflowed());
        }
        partial.checkGradients();
        partial.recordComputeNanos(System.nanoTime() - started);
        return partial;
    }

    /** The model this worker computes. */
    public ModelSpec model() {
        return model;
    }

    /** The loss this worker computes. */
    public Loss loss() {
        return loss;
    }
}
