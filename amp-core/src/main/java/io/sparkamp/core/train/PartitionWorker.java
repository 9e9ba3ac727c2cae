package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.ComputeContext;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.Sequential;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

import java.util.SplittableRandom;

/**
 * The compute half of one training step on one partition, shared by the local trainer and the Spark
 * executors: pick this partition's rows, run forward and backward in micro-batches under the autocast
 * policy with the loss multiplied by the loss scale, and sum the FP32 gradients. Owns one model
 * instance and its off-heap buffers (kept across steps, freed by {@link #close()}), so it belongs to one
 * thread.
 */
public final class PartitionWorker implements AutoCloseable {
    private final ModelSpec model;
    private final Loss loss;
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final int microBatchSize;
    private final Sequential network;
    /** Off-heap buffers reused across micro-batches and steps: activations, operands, gradients. */
    private final Workspace workspace = Workspace.offHeap();
    private final MicroBatchInput input = new MicroBatchInput(workspace);
    private float[] gradOutput = new float[0];

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
        int outputs = model.outputSize();
        // Parameter gradients accumulate off-heap, where the native kernel adds dW in place, over all micro-batches.
        Matrix gradients = workspace.matrix(this, "gradients", Precision.FP32, 1, weights.size());
        gradients.clear();
        int micro = 0;
        for (int start = 0; start < rows.length; start += microBatchSize, micro++) {
            int count = Math.min(microBatchSize, rows.length - start);
            Matrix x = input.features(source, rows, start, count);
            float[] targets = input.targets(source, rows, start, count);
            SplittableRandom random = new SplittableRandom(Seeds.mix(job.seed(), 0xD50L, job.step(), partition, micro));
            ComputeContext ctx = new ComputeContext(policy, gemm, weights, true, random, workspace);
            float[] output = input.outputs(network.forward(ctx, x));
            gradOutput = MicroBatchInput.atLeast(gradOutput, count * outputs);
            double lossSum = loss.sumAndGradient(output, targets, count, outputs, gradFactor, gradOutput);
            Matrix lossGradient = workspace.matrix(this, "lossGradient", Precision.FP32, count, outputs);
            lossGradient.writeFloats(gradOutput, 0);
            network.backward(ctx, lossGradient, gradients);
            partial.addBatch(lossSum, count, loss.countCorrect(output, targets, count, outputs),
                    ctx.stats().gradientValuesCast(), ctx.stats().gradientValuesUnderflowed());
        }
        gradients.buffer().asFloatBuffer().get(0, partial.gradients());
        partial.checkGradients();
        partial.recordComputeNanos(System.nanoTime() - started);
        return partial;
    }

    /** Frees the worker's off-heap buffers; it cannot compute afterwards. */
    @Override
    public void close() {
        workspace.close();
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
