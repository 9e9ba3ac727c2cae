package io.sparkamp.core.nn;

/**
 * Counts what low precision did to gradients on their way through the backward pass: how many
 * non-zero FP32 gradient values were cast to 16 bits and how many of those became zero (underflow).
 * Values that were already zero (e.g. behind a ReLU) count in neither. Loss scaling exists to keep
 * the underflow fraction small.
 */
public final class PrecisionStats {
    private long gradientValuesCast;
    private long gradientValuesUnderflowed;

    /** Records one cast of {@code count} non-zero gradient values of which {@code underflowed} became zero. */
    public void recordGradientCast(long count, long underflowed) {
        gradientValuesCast += count;
        gradientValuesUnderflowed += underflowed;
    }

    public long gradientValuesCast() {
        return gradientValuesCast;
    }

    public long gradientValuesUnderflowed() {
        return gradientValuesUnderflowed;
    }

    /** Fraction of cast gradient values that underflowed (0 when nothing was cast). */
    public double underflowFraction() {
        return gradientValuesCast == 0 ? 0.0 : (double) gradientValuesUnderflowed / gradientValuesCast;
    }

    public void reset() {
        gradientValuesCast = 0;
        gradientValuesUnderflowed = 0;
    }
}
