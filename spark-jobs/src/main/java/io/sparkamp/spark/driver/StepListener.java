package io.sparkamp.spark.driver;

import io.sparkamp.core.train.StepOutcome;
import io.sparkamp.core.train.TrainingState;

/** Told after every step: metrics, progress and checkpoints hang off this. */
@FunctionalInterface
public interface StepListener {
    void onStep(TrainingState state, StepOutcome outcome, StepTiming timing);
}
