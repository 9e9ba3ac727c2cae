package io.sparkamp.core.train;

import io.sparkamp.core.optim.Optimizer;
import io.sparkamp.core.scaling.LossScaler;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The driver-side state of a run: FP32 master weights, the optimizer (with its FP32 moments), the loss
 * scaler, the step counters and a surface's own extras. {@link #snapshot} turns it into a {@link RunState},
 * everything a checkpoint must hold to continue bit-identically; {@link TrainingSetup#restore} turns one back.
 */
public final class TrainingState {
    private final float[] master;
    private final Optimizer optimizer;
    private final LossScaler scaler;
    private long steps;
    private long optimizerSteps;
    private long skippedSteps;
    private final Map<String, String> extras = new LinkedHashMap<>();

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

    /**
     * State a surface keeps with the run (e.g. the streaming trainer's last applied batch id): written into
     * every snapshot and restored with it. Mutable; the engine never reads it.
     */
    public Map<String, String> extras() {
        return extras;
    }

    /**
     * A deep copy of the whole state (arrays cloned, so training may go on while it is written).
     *
     * @param setup      the run's setup: its model spec and resolved settings are recorded with the state
     * @param settings   the surface's own settings to record beside the engine's (e.g. the data path); may be empty
     * @param provenance how the weights were made (versions, seed, data fingerprint, run id)
     */
    public RunState snapshot(TrainingSetup setup, Map<String, String> settings, Map<String, String> provenance) {
        Map<String, String> config = new LinkedHashMap<>(setup.config().describe());
        config.putAll(settings);
        return new RunState(steps, optimizerSteps, skippedSteps, master.clone(), optimizer.state(), scaler.state(),
                setup.model().toSpecString(), config, provenance, extras);
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
