package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.LowPrecisionBuffers;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

import java.util.SplittableRandom;

/**
 * Everything a forward/backward pass needs besides its data: the autocast policy, the GEMM facade,
 * this step's working weights, whether it is training (dropout), a seeded random stream, the precision
 * counters and the workspace layers keep their buffers in. One per task and micro-batch; the workspace
 * outlives it (one per worker thread, reused across micro-batches and steps). Not shared between threads.
 */
public final class ComputeContext {
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final WorkingWeights weights;
    private final boolean training;
    private final SplittableRandom random;
    private final PrecisionStats stats = new PrecisionStats();
    private final Workspace workspace;

    /** A context whose buffers live on the Java heap (tests, one-off passes). */
    public ComputeContext(AutocastPolicy policy, Gemm gemm, WorkingWeights weights, boolean training, SplittableRandom random) {
        this(policy, gemm, weights, training, random, Workspace.onHeap());
    }

    /** A context whose layers keep their buffers in {@code workspace} (off-heap for native kernels). */
    public ComputeContext(AutocastPolicy policy, Gemm gemm, WorkingWeights weights, boolean training, SplittableRandom random,
                          Workspace workspace) {
        if (policy.lowPrecision() != weights.precision()) {
            throw new IllegalArgumentException("working weights are " + weights.precision() + " but the autocast policy is for "
                    + policy.lowPrecision());
        }
        this.policy = policy;
        this.gemm = gemm;
        this.weights = weights;
        this.training = training;
        this.random = random;
        this.workspace = workspace;
    }

    public AutocastPolicy policy() {
        return policy;
    }

    public Gemm gemm() {
        return gemm;
    }

    public WorkingWeights weights() {
        return weights;
    }

    /** True in training passes (dropout active), false in evaluation. */
    public boolean training() {
        return training;
    }

    /** The seeded stream for dropout masks; same seed, step and partition give the same masks. */
    public SplittableRandom random() {
        return random;
    }

    public PrecisionStats stats() {
        return stats;
    }

    /** The precision {@code op} computes in under this run's policy. */
    public Precision precisionOf(OpClass op) {
        return policy.precisionOf(op);
    }

    /** Where layers keep their buffers across micro-batches. */
    public Workspace workspace() {
        return workspace;
    }

    /**
     * Every working weight as one 1×P matrix held as {@code storage} (the 16-bit codes, or FP32 values):
     * written into the workspace once per step's weights, then read in place by every micro-batch.
     */
    public Matrix weights(Precision storage) {
        Matrix m = workspace.derived(ComputeContext.class, "weights", weights, storage, 1, weights.size(), this::fillWeights);
        return storage.isLow() ? m : m.markRoundedTo(weights.precision());
    }

    private void fillWeights(Matrix m) {
        if (m.storage().isLow()) {
            if (m.storage() != weights.precision()) {
                throw new IllegalArgumentException("working weights are " + weights.precision() + ", not " + m.storage());
            }
            m.buffer().asShortBuffer().put(0, weights.codes());
        } else if (weights.precision().isLow()) {
            // 16-bit weights held as FP32 for a kernel that computes in FP32: the codes copied off-heap and decoded
            // straight into the buffer, instead of decoding every parameter into a new heap array each step and
            // copying that.
            Matrix codes = workspace.matrix(ComputeContext.class, "weight codes", weights.precision(), 1, weights.size());
            codes.buffer().asShortBuffer().put(0, weights.codes());
            LowPrecisionBuffers.decode(weights.precision(), codes.buffer(), 0, m.buffer(), 0, weights.size());
        } else {
            m.buffer().asFloatBuffer().put(0, weights.values());
        }
    }
}
