package io.sparkamp.core.scaling;

import io.sparkamp.core.ops.GradientPasses;

import java.util.Locale;

/**
 * Loss scaling for mixed-precision training, one instance per run, used once per optimizer step:
 *
 * <pre>
 *   loss * scaler.scale()                 -- before backward (done by the caller)
 *   boolean ok = scaler.unscaleAndCheck(g) -- g now holds unscaled FP32 gradients
 *   if (ok) { clip(g); optimizer.step(...) }  else { skip the step }
 *   scaler.update(!ok)                     -- exactly once per optimizer step, also for skipped ones
 * </pre>
 *
 * <h2>State machine ({@link ScalingMode#DYNAMIC})</h2>
 * Modelled on PyTorch's {@code torch/amp/grad_scaler.py} ({@code _amp_update_scale_}) with the
 * DeepSpeed/Megatron extras of hysteresis, a floor and a ceiling. The whole state is one {@link ScalerState}.
 * <ul>
 *   <li><b>Overflow</b> (any gradient non-finite): {@code growthTracker = 0}; {@code hysteresisLeft -= 1}.
 *       When {@code hysteresisLeft} reaches 0 the scale backs off, {@code scale = max(scale * backoffFactor,
 *       minScale)}, and {@code hysteresisLeft} is reset to {@code hysteresis}. With {@code hysteresis = 1}
 *       (the default) every overflow backs off, exactly as in PyTorch. If the scale is already at
 *       {@code minScale} when a back-off is due, the run cannot recover by scaling and
 *       {@link LossScaleStuckException} is thrown.</li>
 *   <li><b>Clean step</b>: {@code growthTracker += 1}; when it reaches {@code growthInterval} the scale grows,
 *       {@code scale = min(scale * growthFactor, maxScale)}, {@code growthTracker = 0}, and
 *       {@code hysteresisLeft} is restored to {@code hysteresis}. Hysteresis is restored on growth only (as
 *       DeepSpeed does by default and Megatron does), not after every clean step: isolated overflows spread
 *       over a growth window still add up to a back-off, which is the point of tolerating them.</li>
 * </ul>
 * In {@link ScalingMode#STATIC} and {@link ScalingMode#NONE} the scale never changes (1 for NONE); the
 * tracker stays 0 and {@code hysteresisLeft} stays at {@code hysteresis}.
 *
 * <h2>Skip accounting (every mode)</h2>
 * {@code consecutiveSkips} counts overflow steps in a row and is reset by a clean step; {@code totalSkips}
 * counts all of them. When {@code consecutiveSkips} exceeds {@code maxConsecutiveSkips},
 * {@link LossScaleStuckException} is thrown: a run that never makes progress fails instead of skipping
 * forever. When an exception is thrown the state already includes the failing step.
 *
 * <p>Not thread-safe: the driver owns one scaler.
 */
public final class LossScaler {
    private final ScalerConfig config;
    private ScalerState state;

    /** A fresh scaler at {@code config.initialScale()}. */
    public LossScaler(ScalerConfig config) {
        this(config, ScalerState.initial(requireConfig(config)));
    }

    /** A scaler that continues from {@code state} (e.g. read from a checkpoint) exactly as the saved one would. */
    public LossScaler(ScalerConfig config, ScalerState state) {
        this.config = requireConfig(config);
        if (state == null) {
            throw new IllegalArgumentException("scaler state must not be null; use new LossScaler(config) to start fresh");
        }
        checkConsistent(config, state);
        this.state = state;
    }

    /** The scale to multiply the loss by before backward. */
    public float scale() {
        return state.scale();
    }

    public ScalerConfig config() {
        return config;
    }

    /** The whole state; an immutable value, safe to keep or checkpoint. */
    public ScalerState state() {
        return state;
    }

    /**
     * Multiplies every gradient in place by {@code 1 / scale} and reports whether all results are finite, in one
     * pass. The inverse is computed in double (PyTorch computes it in double too) and each product is formed in
     * double and rounded once to float, so a scale that is not a power of two costs a single rounding.
     * The check is on the unscaled value, so a finite gradient that overflows because {@code scale < 1} is
     * reported as well. After a {@code false} result the caller skips the step; the array then holds the
     * unscaled values, non-finite ones included.
     *
     * @return true when every unscaled gradient is finite
     */
    public boolean unscaleAndCheck(float[] grads) {
        return Double.isFinite(unscaleAndSumSquares(grads));
    }

    /**
     * {@link #unscaleAndCheck} that also returns what the same read of the gradient gives for free: the sum of
     * squares of the unscaled gradients, in {@code GradientClipping.globalNorm}'s order (its square root is
     * that norm, to the bit). Non-finite exactly when an unscaled gradient is.
     */
    public double unscaleAndSumSquares(float[] grads) {
        if (grads == null) {
            throw new IllegalArgumentException("unscaleAndCheck: grads must not be null");
        }
        return GradientPasses.selected().scaleAndSumSquares(grads, 1.0 / state.scale());
    }

    /**
     * Advances the state machine by one optimizer step (see the class comment). Call exactly once per optimizer
     * step, with the result of {@link #unscaleAndCheck} negated, also when gradients were accumulated over
     * several micro-batches.
     *
     * @param foundNonFinite true when the step's gradients held inf or NaN (the step was skipped)
     * @throws LossScaleStuckException when the scale is stuck at its minimum or too many steps in a row were skipped
     */
    public void update(boolean foundNonFinite) {
        if (foundNonFinite) {
            onOverflow();
        } else {
            onCleanStep();
        }
    }

    private void onCleanStep() {
        ScalerState s = state;
        float scale = s.scale();
        int tracker = 0;
        int hysteresisLeft = s.hysteresisLeft();
        if (config.mode() == ScalingMode.DYNAMIC) {
            tracker = s.growthTracker() + 1;
            if (tracker >= config.growthInterval()) {
                scale = Math.min(scale * config.growthFactor(), config.maxScale());
                tracker = 0;
                hysteresisLeft = config.hysteresis();
            }
        }
        state = new ScalerState(scale, tracker, hysteresisLeft, 0, s.totalSkips());
    }

    private void onOverflow() {
        ScalerState s = state;
        float scale = s.scale();
        int hysteresisLeft = s.hysteresisLeft();
        boolean stuckAtMin = false;
        if (config.mode() == ScalingMode.DYNAMIC) {
            hysteresisLeft--;
            if (hysteresisLeft <= 0) {
                stuckAtMin = scale <= config.minScale();
                scale = Math.max(scale * config.backoffFactor(), config.minScale());
                hysteresisLeft = config.hysteresis();
            }
        }
        int consecutive = s.consecutiveSkips() + 1;
        state = new ScalerState(scale, 0, hysteresisLeft, consecutive, s.totalSkips() + 1);
        if (stuckAtMin) {
            throw new LossScaleStuckException("Loss scale is stuck at its minimum (loss-scale.min-scale = "
                    + config.minScale() + "): gradients overflowed again after " + consecutive
                    + " consecutive skipped steps (" + state.totalSkips() + " skipped in total), so the scale cannot "
                    + "back off any further. " + ADVICE, state);
        }
        if (consecutive > config.maxConsecutiveSkips()) {
            throw new LossScaleStuckException(consecutive + " consecutive optimizer steps were skipped for non-finite "
                    + "gradients, more than loss-scale.max-consecutive-skips = " + config.maxConsecutiveSkips()
                    + " (mode " + config.mode().name().toLowerCase(Locale.ROOT) + ", scale " + scale + "); the run is not making "
                    + "progress. " + adviceFor(config, scale), state);
        }
    }

    /** Advice for a run stuck skipping steps: with a static scale the scale itself is the first suspect. */
    static String adviceFor(ScalerConfig config, float scale) {
        if (config.mode() == ScalingMode.STATIC) {
            return "The static loss scale " + scale + " is the likely cause: scaled gradients overflow the 16-bit range. "
                    + "Lower loss-scale (e.g. to " + Math.max(1f, scale / 64) + ") or use loss-scale dynamic. " + ADVICE;
        }
        return ADVICE;
    }

    private static final String ADVICE = "Lower the learning rate, check the input data for inf/NaN values, "
            + "or train in bf16, whose range needs no loss scaling.";

    private static ScalerConfig requireConfig(ScalerConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("loss-scale config must not be null; use ScalerConfig.none() for no scaling");
        }
        return config;
    }

    private static void checkConsistent(ScalerConfig config, ScalerState state) {
        switch (config.mode()) {
            case NONE, STATIC -> {
                if (state.scale() != config.initialScale()) {
                    throw new IllegalArgumentException("scaler-state.scale " + state.scale() + " does not match the "
                            + config.mode().name().toLowerCase(Locale.ROOT) + " loss-scale.initial-scale " + config.initialScale());
                }
            }
            case DYNAMIC -> {
                if (state.scale() < config.minScale() || state.scale() > config.maxScale()) {
                    throw new IllegalArgumentException("scaler-state.scale must be within [loss-scale.min-scale, "
                            + "loss-scale.max-scale] = [" + config.minScale() + ", " + config.maxScale() + "], got "
                            + state.scale());
                }
                if (state.growthTracker() >= config.growthInterval()) {
                    throw new IllegalArgumentException("scaler-state.growth-tracker must be < loss-scale.growth-interval ("
                            + config.growthInterval() + "), got " + state.growthTracker());
                }
            }
        }
        if (state.hysteresisLeft() > config.hysteresis()) {
            throw new IllegalArgumentException("scaler-state.hysteresis-left must be <= loss-scale.hysteresis ("
                    + config.hysteresis() + "), got " + state.hysteresisLeft());
        }
    }
}
