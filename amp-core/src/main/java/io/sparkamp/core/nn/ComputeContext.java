package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;

import java.util.SplittableRandom;

/**
 * Everything a forward/backward pass needs besides its data: the autocast policy, the GEMM facade,
 * this step's working weights, whether it is training (dropout), a seeded random stream and the
 * precision counters. One per task and micro-batch; not shared between threads.
 */
public final class ComputeContext {
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final WorkingWeights weights;
    private final boolean training;
    private final SplittableRandom random;
    private final PrecisionStats stats = new PrecisionStats();

    public ComputeContext(AutocastPolicy policy, Gemm gemm, WorkingWeights weights, boolean training, SplittableRandom random) {
        if (policy.lowPrecision() != weights.precision()) {
            throw new IllegalArgumentException("working weights are " + weights.precision() + " but the autocast policy is for "
                    + policy.lowPrecision());
        }
        this.policy = policy;
        this.gemm = gemm;
        this.weights = weights;
        this.training = training;
        this.random = random;
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
}
