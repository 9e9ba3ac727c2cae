package io.sparkamp.core.train;

/** Told after every step by the {@link TrainingLoop}: metrics and progress hang off this. */
@FunctionalInterface
public interface StepListener {
    void onStep(TrainingState state, StepOutcome outcome, StepTiming timing);
}
