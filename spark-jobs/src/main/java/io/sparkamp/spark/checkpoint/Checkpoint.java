package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.core.train.RunState;

import java.util.Map;

/**
 * A checkpoint read back: where it lies, the run that wrote it, and the {@link RunState} it holds. The
 * accessors below read through to the state.
 *
 * @param path  the checkpoint's directory
 * @param runId the id of the run that wrote it (from its manifest)
 * @param state everything the run needs to continue
 */
public record Checkpoint(String path, String runId, RunState state) {

    public long steps() {
        return state.steps();
    }

    public long optimizerSteps() {
        return state.optimizerSteps();
    }

    public long skippedSteps() {
        return state.skippedSteps();
    }

    public float[] master() {
        return state.master();
    }

    public OptimizerState optimizer() {
        return state.optimizer();
    }

    public ScalerState scaler() {
        return state.scaler();
    }

    public String model() {
        return state.model();
    }

    public Map<String, String> config() {
        return state.config();
    }

    public Map<String, String> provenance() {
        return state.provenance();
    }
}
