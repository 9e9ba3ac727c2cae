package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;

/**
 * Pointwise loops the layers share. Each takes the precision its result is rounded to
 * ({@link Precision#FP32} leaves it unrounded), so FP32 and mixed runs run the same loop.
 * Bit masks are {@code long[]} with bit {@code i % 64} of word {@code i / 64} standing for element i.
 */
public final class Elementwise {
    private Elementwise() {
    }

    /**
     * Encodes {@code src[0..count)} into {@code dst} and counts how many values were non-zero in FP32 and
     * how many of those became a (signed) zero.
     */
    public static CastCounts encodeCountingUnderflow(Precision precision, float[] src, int count, short[] dst) {
        requireLow(precision);
        LowPrecisionArrays.encode(precision, src, 0, dst, 0, count);
        long nonZero = 0;
        long underflowed = 0;
        for (int i = 0; i < count; i++) {
            if (src[i] != 0f) {
                nonZero++;
                if ((dst[i] & 0x7fff) == 0) {
                    underflowed++;
                }
            }
        }
        return new CastCounts(nonZero, underflowed);
    }

    /**
     * Adds {@code bias[biasOff..biasOff+cols)} to every row of the row-major {@code rows x cols} matrix
     * {@code values}, rounding each sum to {@code roundTo}.
     */
    public static void addRowBias(float[] values, int rows, int cols, float[] bias, int biasOff, Precision roundTo) {
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                values[base + j] = roundTo.round(values[base + j] + bias[biasOff + j]);
            }
        }
    }

    /** A new bit mask with room for {@code count} elements, all clear. */
    public static long[] newMask(int count) {
        return new long[(count + 63) >>> 6];
    }

    /** True when element {@code i} of {@code mask} is set. */
    public static boolean isSet(long[] mask, int i) {
        return (mask[i >>> 6] & (1L << i)) != 0;
    }

    /** Sets element {@code i} of {@code mask}. */
    public static void set(long[] mask, int i) {
        mask[i >>> 6] |= 1L << i;
    }

    /**
     * ReLU of {@code input[0..count)} into a new array, each result rounded to {@code roundTo}; sets the
     * bit of every positive input in {@code positiveMask} (what the backward pass needs).
     */
    public static float[] relu(float[] input, int count, Precision roundTo, long[] positiveMask) {
        float[] out = new float[count];
        for (int base = 0; base < count; base += 64) { // one mask word at a time: no per-element read-modify-write
            int end = Math.min(count, base + 64);
            long bits = 0;
            for (int i = base; i < end; i++) {
                float x = input[i];
                if (x > 0f) {
                    out[i] = x;
                    bits |= 1L << (i - base);
                }
            }
            positiveMask[base >>> 6] = bits;
        }
        if (roundTo.isLow()) {
            LowPrecisionArrays.roundInPlace(roundTo, out, 0, count);
        }
        return out;
    }

    /** {@code values[i] * scale} where the mask bit is set, 0 elsewhere, rounded to {@code roundTo}, into a new array. */
    public static float[] maskAndScale(float[] values, int count, long[] mask, float scale, Precision roundTo) {
        float[] out = new float[count];
        for (int w = 0; w < mask.length; w++) {
            int base = w << 6;
            for (long bits = mask[w]; bits != 0; bits &= bits - 1) {
                int i = base + Long.numberOfTrailingZeros(bits);
                out[i] = values[i] * scale;
            }
        }
        if (roundTo.isLow()) {
            LowPrecisionArrays.roundInPlace(roundTo, out, 0, count);
        }
        return out;
    }

    /** Rounds the float of every value to {@code precision} into a new array (a copy for FP32). */
    public static float[] rounded(float[] values, int count, Precision precision) {
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = precision.round(values[i]);
        }
        return out;
    }

    private static void requireLow(Precision precision) {
        if (!precision.isLow()) {
            throw new IllegalArgumentException("16-bit cast needs FP16 or BF16, got " + precision);
        }
    }
}
