package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;

import java.util.Map;

/**
 * Everything a checkpoint holds: the step counters, FP32 master weights, the optimizer's FP32 state,
 * the loss scaler's whole state, the model spec, the resolved job config and the provenance (versions,
 * seed, data fingerprint). Sampling is a pure function of (seed, step), so the step is the data position.
 */
public record Checkpoint(String path, long steps, long optimizerSteps, long skippedSteps, float[] master,
                         OptimizerState optimizer, ScalerState scaler, String model, Map<String, String> config,
                         Map<String, String> provenance) {
}
