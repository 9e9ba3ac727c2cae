package io.sparkamp.core.scaling;

import java.util.Locale;

/**
 * Loss-scaling settings, validated in one place. Error messages name the setting as it is spelled in a
 * job config ({@code loss-scale.*}).
 *
 * @param mode                 none, static or dynamic
 * @param initialScale         the scale of the first step (the only scale in static mode; 1 in none mode)
 * @param growthFactor         dynamic: multiplier applied after {@code growthInterval} clean steps (&gt; 1)
 * @param backoffFactor        dynamic: multiplier applied on a back-off (in (0, 1))
 * @param growthInterval       dynamic: clean steps in a row before the scale grows (&gt;= 1)
 * @param hysteresis           dynamic: overflows tolerated before backing off; 1 backs off on the first (&gt;= 1)
 * @param minScale             dynamic: the scale never backs off below this (&gt; 0)
 * @param maxScale             dynamic: the scale never grows above this (&gt;= minScale)
 * @param maxConsecutiveSkips  all modes: more skipped steps in a row than this fails the run (&gt;= 1)
 */
public record ScalerConfig(ScalingMode mode, float initialScale, float growthFactor, float backoffFactor,
                           int growthInterval, int hysteresis, float minScale, float maxScale,
                           int maxConsecutiveSkips) {

    /** PyTorch GradScaler's initial scale, 2^16. */
    public static final float DEFAULT_INITIAL_SCALE = 65536f;
    /** Megatron/DeepSpeed-style ceiling, 2^24. */
    public static final float DEFAULT_MAX_SCALE = 16777216f;
    public static final float DEFAULT_GROWTH_FACTOR = 2f;
    public static final float DEFAULT_BACKOFF_FACTOR = 0.5f;
    public static final int DEFAULT_GROWTH_INTERVAL = 2000;
    public static final int DEFAULT_MAX_CONSECUTIVE_SKIPS = 50;

    public ScalerConfig {
        if (mode == null) {
            throw new IllegalArgumentException("loss-scale.mode must be one of none, static, dynamic, got null");
        }
        requireFinitePositive("loss-scale.initial-scale", initialScale);
        requireFinitePositive("loss-scale.min-scale", minScale);
        requireFinitePositive("loss-scale.max-scale", maxScale);
        if (!(growthFactor > 1f) || !Float.isFinite(growthFactor)) {
            throw new IllegalArgumentException("loss-scale.growth-factor must be > 1, got " + growthFactor);
        }
        if (!(backoffFactor > 0f && backoffFactor < 1f)) {
            throw new IllegalArgumentException("loss-scale.backoff-factor must be in (0, 1), got " + backoffFactor);
        }
        if (growthInterval < 1) {
            throw new IllegalArgumentException("loss-scale.growth-interval must be >= 1, got " + growthInterval);
        }
        if (hysteresis < 1) {
            throw new IllegalArgumentException("loss-scale.hysteresis must be >= 1, got " + hysteresis);
        }
        if (maxConsecutiveSkips < 1) {
            throw new IllegalArgumentException("loss-scale.max-consecutive-skips must be >= 1, got " + maxConsecutiveSkips);
        }
        if (maxScale < minScale) {
            throw new IllegalArgumentException("loss-scale.max-scale must be >= loss-scale.min-scale (" + minScale
                    + "), got " + maxScale);
        }
        if (initialScale < minScale || initialScale > maxScale) {
            throw new IllegalArgumentException("loss-scale.initial-scale must be within [loss-scale.min-scale, "
                    + "loss-scale.max-scale] = [" + minScale + ", " + maxScale + "], got " + initialScale);
        }
        if (mode == ScalingMode.NONE && initialScale != 1f) {
            throw new IllegalArgumentException("loss-scale.initial-scale must be 1 when loss-scale.mode is none, got "
                    + initialScale);
        }
    }

    /**
     * PyTorch GradScaler's defaults: initial 2^16, x2 after 2000 clean steps, x0.5 on every overflow
     * (hysteresis 1), plus a floor of 1, a ceiling of 2^24 and at most 50 skipped steps in a row.
     */
    public static ScalerConfig dynamicDefaults() {
        return new ScalerConfig(ScalingMode.DYNAMIC, DEFAULT_INITIAL_SCALE, DEFAULT_GROWTH_FACTOR,
                DEFAULT_BACKOFF_FACTOR, DEFAULT_GROWTH_INTERVAL, 1, 1f, DEFAULT_MAX_SCALE,
                DEFAULT_MAX_CONSECUTIVE_SKIPS);
    }

    /** A static scale; the dynamic-only settings keep their defaults and the range is pinned to {@code scale}. */
    public static ScalerConfig fixed(float scale) {
        requireFinitePositive("loss-scale", scale);
        return new ScalerConfig(ScalingMode.STATIC, scale, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR,
                DEFAULT_GROWTH_INTERVAL, 1, scale, scale, DEFAULT_MAX_CONSECUTIVE_SKIPS);
    }

    /** No scaling (scale 1): the scaler only detects non-finite gradients and counts skipped steps. */
    public static ScalerConfig none() {
        return new ScalerConfig(ScalingMode.NONE, 1f, DEFAULT_GROWTH_FACTOR, DEFAULT_BACKOFF_FACTOR,
                DEFAULT_GROWTH_INTERVAL, 1, 1f, 1f, DEFAULT_MAX_CONSECUTIVE_SKIPS);
    }

    /**
     * Parses the {@code loss-scale} setting: {@code dynamic}, {@code none}, or a positive finite number for a
     * static scale (e.g. {@code 1024}). Case and surrounding blanks are ignored.
     */
    public static ScalerConfig parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("loss-scale must be 'dynamic', 'none' or a positive number, got null");
        }
        String value = text.trim().toLowerCase(Locale.ROOT);
        if (value.equals("dynamic")) {
            return dynamicDefaults();
        }
        if (value.equals("none")) {
            return none();
        }
        float scale;
        try {
            // Float.parseFloat also takes "1f", "0x1p4" and "NaN"; the checks below reject what is not a usable scale.
            scale = Float.parseFloat(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("loss-scale must be 'dynamic', 'none' or a positive number, got '"
                    + text + "'", e);
        }
        if (!(scale > 0f) || !Float.isFinite(scale)) {
            throw new IllegalArgumentException("loss-scale must be 'dynamic', 'none' or a positive number, got '"
                    + text + "'");
        }
        return fixed(scale);
    }

    private static void requireFinitePositive(String setting, float value) {
        if (!(value > 0f) || !Float.isFinite(value)) {
            throw new IllegalArgumentException(setting + " must be a finite number > 0, got " + value);
        }
    }
}
