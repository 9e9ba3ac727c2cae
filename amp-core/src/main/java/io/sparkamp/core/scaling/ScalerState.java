package io.sparkamp.core.scaling;

/**
 * The whole mutable state of a {@link LossScaler} as one plain value, checkpointed and restored as is
 * (each component maps to one Parquet column).
 *
 * @param scale            the current loss scale
 * @param growthTracker    clean steps since the last overflow or growth (0 .. growth-interval - 1)
 * @param hysteresisLeft   overflows still tolerated before the next back-off (1 .. hysteresis)
 * @param consecutiveSkips optimizer steps skipped in a row for non-finite gradients; 0 after a clean step
 * @param totalSkips       optimizer steps skipped over the whole run
 */
public record ScalerState(float scale, int growthTracker, int hysteresisLeft, int consecutiveSkips, long totalSkips) {

    /** Checks what a corrupt or hand-edited checkpoint could get wrong; consistency with a config is checked by {@link LossScaler}. */
    public ScalerState {
        if (!(scale > 0f) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("scaler-state.scale must be a finite number > 0, got " + scale);
        }
        if (growthTracker < 0) {
            throw new IllegalArgumentException("scaler-state.growth-tracker must be >= 0, got " + growthTracker);
        }
        if (hysteresisLeft < 1) {
            throw new IllegalArgumentException("scaler-state.hysteresis-left must be >= 1, got " + hysteresisLeft);
        }
        if (consecutiveSkips < 0) {
            throw new IllegalArgumentException("scaler-state.consecutive-skips must be >= 0, got " + consecutiveSkips);
        }
        if (totalSkips < consecutiveSkips) {
            throw new IllegalArgumentException("scaler-state.total-skips must be >= consecutive-skips (" + consecutiveSkips
                    + "), got " + totalSkips);
        }
    }

    /** The state a fresh scaler starts from. */
    public static ScalerState initial(ScalerConfig config) {
        return new ScalerState(config.initialScale(), 0, config.hysteresis(), 0, 0L);
    }
}
