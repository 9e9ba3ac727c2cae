package io.sparkamp.core.optim;

import io.sparkamp.core.ops.GradientPasses;
import io.sparkamp.core.ops.Reductions;

/**
 * Clipping by the global L2 norm of the whole flat gradient, as PyTorch's {@code clip_grad_norm_}. Apply it to
 * unscaled gradients only (after {@code LossScaler.unscaleAndCheck}), or the threshold would be compared with
 * the norm times the loss scale.
 */
public final class GradientClipping {
    /** Added to the norm before dividing, as PyTorch does, so a clipped norm lands just under maxNorm. */
    static final double EPSILON = 1e-6;

    private GradientClipping() {
    }

    /** The L2 norm of all gradients, accumulated in double ({@link Reductions#sumOfSquares}'s order). */
    public static double globalNorm(float[] grads) {
        if (grads == null) {
            throw new IllegalArgumentException("globalNorm: grads must not be null");
        }
        return Math.sqrt(GradientPasses.selected().sumOfSquares(grads, 0, grads.length));
    }

    /**
     * Scales {@code grads} in place by {@code maxNorm / (norm + 1e-6)} when their norm exceeds {@code maxNorm};
     * leaves them unchanged otherwise.
     *
     * @return the norm before clipping
     * @throws IllegalArgumentException when maxNorm is &lt;= 0 or NaN, or when a gradient is inf/NaN (the
     *                                  step should have been skipped by the loss scaler before clipping)
     */
    public static double clipByGlobalNorm(float[] grads, double maxNorm) {
        double norm = globalNorm(grads);
        clipToNorm(grads, norm, maxNorm);
        return norm;
    }

    /**
     * {@link #clipByGlobalNorm} given the norm already computed ({@code sqrt} of the sum of squares that
     * {@code LossScaler.unscaleAndSumSquares} returns with the unscale): saves a read of the whole gradient.
     */
    public static void clipToNorm(float[] grads, double norm, double maxNorm) {
        requireMaxNorm(maxNorm);
        if (!Double.isFinite(norm)) {
            int index = Reductions.firstNonFinite(grads, 0, grads.length);
            String value = index < 0 ? "finite everywhere, but the norm given is " + norm : "gradient " + index + " is "
                    + grads[index];
            throw new IllegalArgumentException("clipByGlobalNorm: " + value
                    + "; check LossScaler.unscaleAndCheck and skip the step before clipping");
        }
        if (norm > maxNorm) {
            double coefficient = maxNorm / (norm + EPSILON);
            for (int i = 0; i < grads.length; i++) {
                grads[i] = (float) (grads[i] * coefficient);
            }
        }
    }

    private static void requireMaxNorm(double maxNorm) {
        // +infinity is allowed and never clips, as in PyTorch
        if (!(maxNorm > 0)) {
            throw new IllegalArgumentException("clip max-norm must be > 0, got " + maxNorm);
        }
    }
}
