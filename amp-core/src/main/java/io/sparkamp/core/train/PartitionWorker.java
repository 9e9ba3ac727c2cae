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

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;

/**
 * The compute half of one training step on one partition, shared by the local trainer and the Spark
 * executors: pick this partition's rows, run forward and backward in micro-batches under the autocast
 * policy with the loss multiplied by the loss scale, and sum the FP32 gradients. Owns one model
 * instance and its off-heap buffers (kept across steps, freed by {@link #close()}), so it belongs to one
 * thread.
 *
 * <p>With more than one thread, the share's micro-batches are split into contiguous runs, one per thread
 * (each with its own model instance and buffers), and the runs' gradients are summed in run order: the
 * same bits for the same number of threads, whichever thread finishes first.
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
    /** What {@link #compute} returns, overwritten by the next call unless lent: one parameter-sized array per worker, not per step. */
    private GradientPartial reusable;
    /** This step's rows, with the epoch's permutation kept from one step to the next. */
    private final RowSampler sampler = new RowSampler();
    private final int threads;
    private final Supplier<PartitionWorker> helperFactory;
    /** Workers of the runs after the first, and their threads; made at the first step that uses them. */
    private List<PartitionWorker> helpers;
    private ExecutorService helperThreads;

    public PartitionWorker(ModelSpec model, Loss loss, AutocastPolicy policy, Gemm gemm, int microBatchSize) {
        this(model, loss, policy, gemm, microBatchSize, 1, null);
    }

    /**
     * A worker that computes a share with {@code threads} threads.
     *
     * @param helperFactory builds the single-threaded workers of the other threads (each its own model and kernel)
     */
    public PartitionWorker(ModelSpec model, Loss loss, AutocastPolicy policy, Gemm gemm, int microBatchSize, int threads,
                           Supplier<PartitionWorker> helperFactory) {
        if (threads < 1 || (threads > 1 && helperFactory == null)) {
            throw new IllegalArgumentException("task-threads must be >= 1 (with a factory for the helpers), got " + threads);
        }
        this.threads = threads;
        this.helperFactory = helperFactory;
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
     * <p>The partial returned belongs to this worker and is overwritten by its next {@code compute}: a
     * caller that keeps it longer serializes it first (a Spark task's result), copies it
     * ({@link GradientPartial#copyFrom}), or {@linkplain GradientPartial#lend() borrows} it, and the worker
     * then computes into a new one until it is given back.
     *
     * @param source      the partition's rows
     * @param partition   partition index (seeds sampling and dropout)
     * @param job         seed, step, share and the step's scaling
     * @param weights     the step's working weights
     */
    public GradientPartial compute(RowSource source, int partition, PartitionAssignment job, WorkingWeights weights) {
        long started = System.nanoTime();
        if (job.share() == 0 || source.rowCount() == 0) {
            GradientPartial empty = reusablePartial(weights.size());
            empty.clear();
            return empty;
        }
        int[] rows = rowsFor(job, partition, source.rowCount());
        int micros = (rows.length + microBatchSize - 1) / microBatchSize;
        int runs = Math.min(threads, micros);
        GradientPartial partial;
        if (runs == 1) {
            partial = computeMicroBatches(source, partition, job, weights, rows, 0, micros);
        } else {
            partial = computeInRuns(source, partition, job, weights, rows, micros, runs);
        }
        partial.recordComputeNanos(System.nanoTime() - started);
        return partial;
    }

    /** Micro-batches [0, micros) in {@code runs} contiguous runs on as many threads; partials summed in run order. */
    private GradientPartial computeInRuns(RowSource source, int partition, PartitionAssignment job, WorkingWeights weights,
                                          int[] rows, int micros, int runs) {
        if (helpers == null) {
            helpers = new ArrayList<>();
            for (int t = 1; t < threads; t++) {
                helpers.add(helperFactory.get());
            }
            helperThreads = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread thread = new Thread(r, "spark-amp partition worker");
                thread.setDaemon(true);
                return thread;
            });
        }
        List<Future<GradientPartial>> others = new ArrayList<>();
        for (int run = 1; run < runs; run++) {
            PartitionWorker helper = helpers.get(run - 1);
            int from = (int) ((long) run * micros / runs);
            int to = (int) ((long) (run + 1) * micros / runs);
            others.add(helperThreads.submit(() -> helper.computeMicroBatches(source, partition, job, weights, rows, from, to)));
        }
        GradientPartial total = computeMicroBatches(source, partition, job, weights, rows, 0, micros / runs);
        try {
            for (Future<GradientPartial> other : others) {
                total.merge(other.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the partition's other threads computed", e);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        }
        return total;
    }

    /**
     * Gradients of micro-batches [fromMicro, toMicro) of this step's rows: each micro-batch is the same
     * rows with the same dropout seed whichever thread computes it.
     */
    GradientPartial computeMicroBatches(RowSource source, int partition, PartitionAssignment job, WorkingWeights weights,
                                        int[] rows, int fromMicro, int toMicro) {
        GradientPartial partial = reusablePartial(weights.size());
        partial.clearCounters(); // its gradients are overwritten below
        float gradFactor = (float) ((double) job.lossScale() / job.globalBatch());
        int outputs = model.outputSize();
        // Parameter gradients accumulate off-heap, where the native kernel adds dW in place, over all micro-batches.
        Matrix gradients = workspace.matrix(this, "gradients", Precision.FP32, 1, weights.size());
        gradients.clear();
        for (int micro = fromMicro; micro < toMicro; micro++) {
            int start = micro * microBatchSize;
            int count = Math.min(microBatchSize, rows.length - start);
            SplittableRandom random = new SplittableRandom(Seeds.mix(job.seed(), 0xD50L, job.step(), partition, micro));
            ComputeContext ctx = new ComputeContext(policy, gemm, weights, true, random, workspace);
            Matrix x = input.features(source, rows, start, count, network.inputStorage(ctx));
            float[] targets = input.targets(source, rows, start, count);
            float[] output = input.outputs(network.forward(ctx, x));
            gradOutput = MicroBatchInput.atLeast(gradOutput, count * outputs);
            double lossSum = loss.sumAndGradient(output, targets, count, outputs, gradFactor, gradOutput);
            Matrix lossGradient = workspace.matrix(this, "lossGradient", Precision.FP32, count, outputs);
            lossGradient.writeFloats(gradOutput, 0);
            network.backward(ctx, lossGradient, gradients);
            partial.addBatch(lossSum, count, loss.countCorrect(output, targets, count, outputs),
                    ctx.stats().gradientValuesCast(), ctx.stats().gradientValuesUnderflowed());
        }
        // Not checked for inf/NaN here: the driver checks the sum, which any non-finite value makes non-finite.
        gradients.buffer().asFloatBuffer().get(0, partial.gradients());
        return partial;
    }

    /**
     * The rows {@link #compute} picks for {@code job} from partition {@code partition} of {@code rowCount}
     * rows, for a caller that fetches them first.
     */
    public int[] rowsFor(PartitionAssignment job, int partition, int rowCount) {
        return sampler.rowsFor(job.seed(), partition, job.step(), job.share(), rowCount);
    }

    private GradientPartial reusablePartial(int parameters) {
        if (reusable == null || reusable.gradients().length != parameters || reusable.isLent()) {
            reusable = new GradientPartial(parameters);
        }
        return reusable;
    }

    /** Off-heap bytes the worker holds now (its buffers, kept across steps). */
    public long offHeapBytes() {
        long bytes = workspace.bytesHeld();
        for (PartitionWorker helper : helpers == null ? List.<PartitionWorker>of() : helpers) {
            bytes += helper.offHeapBytes();
        }
        return bytes;
    }

    /** Frees the worker's off-heap buffers; it cannot compute afterwards. */
    @Override
    public void close() {
        if (helpers != null) {
            helperThreads.shutdownNow();
            helpers.forEach(PartitionWorker::close);
            helpers = null;
        }
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
