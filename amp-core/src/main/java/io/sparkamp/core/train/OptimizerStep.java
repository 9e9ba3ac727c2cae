package io.sparkamp.core.train;

import io.sparkamp.core.optim.GradientClipping;
import io.sparkamp.core.optim.LrSchedule;

/**
 * The one step state machine, used by the local trainer and the Spark driver alike (docs/architecture.md §1):
 *
 * <pre>
 *   aggregated scaled FP32 gradient
 *     → unscale (× 1/scale) fused with the non-finite check and the sum of squares of the norm
 *     → non-finite anywhere? skip: weights and optimizer untouched, the scaler backs off
 *     → otherwise clip by global norm (on the UNSCALED gradient) → optimizer on the FP32 master
 *     → the scaler may grow
 * </pre>
 *
 * <p>Gradient accumulation happens before this: workers sum their micro-batches, so there is exactly one
 * overflow check per optimizer step. The learning-rate schedule is indexed by optimizer steps, so skipped
 * steps do not advance it unless {@code scheduleAdvancesOnSkip}.
 */
public final class OptimizerStep {
    private final LrSchedule schedule;
    private final double clipNorm;
    private final boolean scheduleAdvancesOnSkip;

    /**
     * @param schedule               learning rate per optimizer step
     * @param clipNorm               maximum global gradient norm; 0 turns clipping off
     * @param scheduleAdvancesOnSkip when true the schedule is indexed by attempted steps instead
     */
    public OptimizerStep(LrSchedule schedule, double clipNorm, boolean scheduleAdvancesOnSkip) {
        if (!(clipNorm >= 0)) {
            throw new IllegalArgumentException("clip-norm must be >= 0 (0 turns clipping off), got " + clipNorm);
        }
        this.schedule = schedule;
        this.clipNorm = clipNorm;
        this.scheduleAdvancesOnSkip = scheduleAdvancesOnSkip;
    }

    /** Applies one step to {@code state} from the aggregated partial (its gradient buffer is unscaled in place). */
    public StepOutcome apply(TrainingState state, GradientPartial aggregated) {
        float[] grads = aggregated.gradients();
        if (grads.length != state.master().length) {
            throw new IllegalArgumentException("gradient has " + grads.length + " values but the model has "
                    + state.master().length + " parameters");
        }
        long stepNumber = state.steps() + 1;
        float scaleUsed = state.scaler().scale();
        long scheduleIndex = scheduleAdvancesOnSkip ? state.steps() : state.optimizerSteps();
        float lr = schedule.lrAt(scheduleIndex);
        // One read of the gradient unscales it, checks it and gives the norm (GradientClipping.globalNorm's bits).
        double squares = state.scaler().unscaleAndSumSquares(grads);
        boolean finite = Double.isFinite(squares) && !aggregated.nonFinite();
        double norm = Double.NaN;
        if (finite) {
            norm = Math.sqrt(squares);
            if (clipNorm > 0) {
                GradientClipping.clipToNorm(grads, norm, clipNorm);
            }
            state.optimizer().step(state.master(), grads, lr);
            state.recordApplied();
        } else {
            state.recordSkipped();
        }
        state.scaler().update(!finite);
        double rows = Math.max(1, aggregated.rows());
        return new StepOutcome(stepNumber, !finite, scaleUsed, state.scaler().scale(), norm, lr,
                aggregated.lossSum() / rows, aggregated.correct() / rows, aggregated.rows(), aggregated.underflowFraction());
    }

    public LrSchedule schedule() {
        return schedule;
    }
}
