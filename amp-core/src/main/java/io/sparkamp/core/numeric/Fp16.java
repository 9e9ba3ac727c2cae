package io.sparkamp.core.numeric;

/**
 * IEEE 754 binary16 ("FP16", "half") codes held in a {@code short}.
 *
 * <p>float → half rounds to nearest, ties to even; it keeps NaN a NaN (payload bits that fit are kept),
 * overflows to ±infinity from 65520 up, produces subnormals down to 2^-24 and keeps the sign of zero.
 * half → float is exact. Never truncate: truncation biases every value toward zero.
 */
public final class Fp16 {
    /** Largest finite half, 65504. */
    public static final float MAX_VALUE = 65504f;
    /** Smallest positive normal half, 2^-14. */
    public static final float MIN_NORMAL = 0x1p-14f;
    /** Smallest positive subnormal half, 2^-24. */
    public static final float MIN_VALUE = 0x1p-24f;

    private Fp16() {
    }

    /** Rounds {@code value} to the nearest half (ties to even) and returns its bits. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        int sign = (bits >>> 16) & 0x8000;
        int abs = bits & 0x7fff_ffff;
        if (abs >= 0x7f80_0000) {
            if (abs == 0x7f80_0000) {
                return (short) (sign | 0x7c00);
            }
            // NaN: keep the top ten payload bits; a payload that would vanish becomes the quiet NaN.
            int payload = (abs >>> 13) & 0x3ff;
            return (short) (sign | 0x7c00 | (payload == 0 ? 0x200 : payload));
        }
        if (abs >= 0x477f_f000) { // 65520 and up round past 65504
            return (short) (sign | 0x7c00);
        }
        if (abs >= 0x3880_0000) { // normal half: re-bias the exponent, round the 13 dropped bits
            int rebiased = abs - 0x3800_0000;
            int rounded = rebiased + 0xfff + ((rebiased >>> 13) & 1);
            return (short) (sign | (rounded >>> 13));
        }
        if (abs < 0x3300_0000) { // below 2^-25 (and 2^-25 itself ties to even zero)
            return (short) sign;
        }
        // Subnormal half: value in units of 2^-24 is mantissa * 2^(exponent - 126).
        int exponent = abs >>> 23;
        int mantissa = (abs & 0x7f_ffff) | 0x80_0000;
        int shift = 126 - exponent;
        int quotient = mantissa >>> shift;
        int remainder = mantissa & ((1 << shift) - 1);
        int halfway = 1 << (shift - 1);
        if (remainder > halfway || (remainder == halfway && (quotient & 1) != 0)) {
            quotient++;
        }
        return (short) (sign | quotient);
    }

    /** The exact float value of the half {@code bits}. */
    public static float toFloat(short bits) {
        int h = bits & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f80_0000 | (mantissa << 13));
        }
        if (exponent == 0) {
            float magnitude = mantissa * MIN_VALUE; // exact: mantissa < 2^10
            return sign == 0 ? magnitude : -magnitude;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    /** {@code value} rounded to the nearest representable half, as a float. */
    public static float round(float value) {
        return toFloat(fromFloat(value));
    }

    /** True for the bits of ±infinity or NaN. */
    public static boolean isNonFinite(short bits) {
        return (bits & 0x7c00) == 0x7c00;
    }
}
