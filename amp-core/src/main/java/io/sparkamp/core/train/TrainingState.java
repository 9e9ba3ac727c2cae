package io.sparkamp.core.train;

import io.sparkamp.core.optim.Optimizer;
import io.sparkamp.core.scaling.LossScaler;

/**
 * The driver-side state of a run: FP32 master weights, the optimizer (with its FP32 moments), the loss
 * scaler and the step counters. Everything a checkpoint must hold to continue bit-identically.
 */
public final class TrainingState {
    private final float[] master;
    private final Optimizer optimizer;
    private final LossScaler scaler;
    private long steps;
    private long optimizerSteps;
    private long skippedSteps;

    public TrainingState(float[] master, Optimizer optimizer, LossScaler scaler, long steps, long optimizerSteps, long skippedSteps) {
        if (steps != optimizerSteps + skippedSteps) {
            throw new IllegalArgumentException("step counters disagree: steps=" + steps + " optimizerSteps=" + optimizerSteps
                    + " skippedSteps=" + skippedSteps);
        }
        this.master = master;
        this.optimizer = optimizer;
        this.scaler = scaler;
        this.steps = steps;
        this.optimizerSteps = optimizerSteps;
        this.skippedSteps = skippedSteps;
    }

    /** A fresh run at step 0. */
    public static TrainingState fresh(float[] master, Optimizer optimizer, LossScaler scaler) {
        return new TrainingState(master, optimizer, scaler, 0, 0, 0);
    }

    /** The FP32 master weights (the flat buffer, updated in place). */
    public float[] master() {
        return master;
    }

    public Optimizer optimizer() {
        return optimizer;
    }

    public LossScaler scaler() {
        return scaler;
    }

    /** Steps attempted so far (applied plus skipped). */
    public long steps() {
        return steps;
    }

    /** Steps that updated the weights. */
    public long optimizerSteps() {
        return optimizerSteps;
    }

    /** Steps skipped because a gradient was not finite. */
    public long skippedSteps() {
        return skippedSteps;
    }

    void recordApplied() {
        steps++;
        optimizerSteps++;
    }

    void recordSkipped() {
        steps++;
        skippedSteps++;
    }
}
