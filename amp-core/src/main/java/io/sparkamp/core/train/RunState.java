package io.sparkamp.core.train;

import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole state of a training run as one value, in the spirit of PyTorch's {@code state_dict}: what a
 * run needs to continue bit-identically, plus what it was made with. Taken by
 * {@link TrainingState#snapshot} and turned back into a live state by {@link TrainingSetup#restore}; storage
 * formats (the Spark job's Parquet checkpoints) only serialise this record.
 *
 * <p>Positions are derived from the counters rather than stored twice: sampling is a pure function of
 * (seed, step), so {@link #dataPosition()} is {@code steps}; the learning-rate schedule is indexed by
 * {@link #schedulePosition(boolean)}.
 *
 * @param steps          steps attempted (applied plus skipped)
 * @param optimizerSteps steps that updated the weights
 * @param skippedSteps   steps skipped for a non-finite gradient
 * @param master         FP32 master weights, flat, in the model's parameter layout
 * @param optimizer      the optimizer's kind, step count and FP32 slots
 * @param scaler         the loss scaler's whole state
 * @param model          the model spec ({@link io.sparkamp.core.nn.ModelSpec#toSpecString()}): the weights' layout
 * @param config         the settings the run trained with, as {@code key -> value} (engine settings plus the surface's own,
 *                       e.g. the data path); compared with a resuming run's settings
 * @param provenance     how the weights were made: versions, seed, data fingerprint, run id, setting changes
 * @param extras         state a surface keeps beside the engine's and gets back on restore (e.g. a stream's last applied
 *                       batch id); free-form, never interpreted by the engine
 */
public record RunState(long steps, long optimizerSteps, long skippedSteps, float[] master, OptimizerState optimizer,
                       ScalerState scaler, String model, Map<String, String> config, Map<String, String> provenance,
                       Map<String, String> extras) {

    /** Checks what a corrupt or hand-made state could get wrong; the maps are copied (order kept) and unmodifiable. */
    public RunState {
        if (steps < 0 || optimizerSteps < 0 || skippedSteps < 0 || steps != optimizerSteps + skippedSteps) {
            throw new IllegalArgumentException("run-state step counters disagree: steps=" + steps + " optimizerSteps="
                    + optimizerSteps + " skippedSteps=" + skippedSteps);
        }
        if (master == null || optimizer == null || scaler == null || model == null) {
            throw new IllegalArgumentException("run-state needs master weights, optimizer state, scaler state and model spec");
        }
        config = frozen(config);
        provenance = frozen(provenance);
        extras = frozen(extras);
    }

    /** Where sampling continues: the number of steps attempted (sampling is a pure function of seed and step). */
    public long dataPosition() {
        return steps;
    }

    /** The learning-rate schedule's index: attempted steps when skipped steps advance it, applied steps otherwise. */
    public long schedulePosition(boolean scheduleAdvancesOnSkip) {
        return scheduleAdvancesOnSkip ? steps : optimizerSteps;
    }

    /** This state with another scaler state (e.g. a fresh one after the loss-scale settings changed on resume). */
    public RunState withScaler(ScalerState newScaler) {
        return new RunState(steps, optimizerSteps, skippedSteps, master, optimizer, newScaler, model, config, provenance, extras);
    }

    private static Map<String, String> frozen(Map<String, String> map) {
        return map == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(map));
    }
}
