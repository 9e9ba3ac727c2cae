package io.sparkamp.core.train;

import io.sparkamp.core.scaling.ScalerConfig;
import io.sparkamp.core.scaling.ScalingMode;

import java.util.Optional;

/**
 * Watches a run's steps and says at its end whether it produced something usable: a run whose final
 * training loss is not finite, or whose last steps were all skipped for non-finite gradients, failed,
 * even when it never reached {@code max-consecutive-skips}. The diagnosis names the likely cause.
 */
public final class RunHealth implements StepListener {
    /** Skipped steps in a row at the end of a run that make it a failure (fewer when the run is shorter). */
    static final int TRAILING_SKIPS = 10;

    private long steps;
    private long trailingSkips;
    private StepOutcome last;

    @Override
    public void onStep(TrainingState state, StepOutcome outcome, StepTiming timing) {
        steps++;
        trailingSkips = outcome.skipped() ? trailingSkips + 1 : 0;
        last = outcome;
    }

    /** Why the run failed, or empty when it did not (or ran no step in this session). */
    public Optional<String> diagnosis(ScalerConfig scaler) {
        if (last == null) {
            return Optional.empty();
        }
        boolean allSkippedAtEnd = trailingSkips >= Math.min(TRAILING_SKIPS, steps);
        if (Double.isFinite(last.trainLoss()) && !allSkippedAtEnd) {
            return Optional.empty();
        }
        StringBuilder b = new StringBuilder();
        if (allSkippedAtEnd) {
            b.append("the last ").append(trailingSkips).append(" of ").append(steps)
                    .append(" steps were all skipped for non-finite gradients");
        } else {
            b.append("the final training loss is ").append(last.trainLoss());
        }
        b.append(" (step ").append(last.step()).append(", loss scale ").append(last.lossScale()).append("). ");
        if (scaler.mode() == ScalingMode.STATIC) {
            b.append("The static loss scale ").append(scaler.initialScale()).append(" is the likely cause: scaled gradients "
                    + "overflow the 16-bit range; lower loss-scale or use loss-scale dynamic.");
        } else if (scaler.mode() == ScalingMode.DYNAMIC) {
            b.append("Dynamic loss scaling could not recover: lower the learning rate, set clip-norm, or check the data "
                    + "for extreme values (bf16 needs no loss scaling).");
        } else {
            b.append("The model diverged: lower the learning rate, set clip-norm, or standardise the features.");
        }
        return Optional.of(b.toString());
    }
}
