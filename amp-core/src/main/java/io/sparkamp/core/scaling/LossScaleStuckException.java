package io.sparkamp.core.scaling;

/**
 * Thrown by {@link LossScaler#update(boolean)} when a run stops making progress: the dynamic scale is
 * already at its minimum and the gradients still overflow, or more than
 * {@code loss-scale.max-consecutive-skips} optimizer steps in a row were skipped. Training on would only
 * skip steps forever (or, without the check, train on NaN), so the run fails with advice instead.
 */
public final class LossScaleStuckException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ScalerState state;

    public LossScaleStuckException(String message, ScalerState state) {
        super(message);
        this.state = state;
    }

    /** The scaler's state after the step that failed (counters include that step). */
    public ScalerState state() {
        return state;
    }
}
