package io.sparkamp.core.numeric;

/**
 * bfloat16 codes held in a {@code short}: the upper 16 bits of a float32.
 *
 * <p>float → bf16 rounds to nearest, ties to even (never truncates); NaN stays NaN (payload bits that fit
 * are kept), values past the
 * largest finite bf16 overflow to ±infinity, subnormals and signed zero are kept. bf16 → float is exact.
 */
public final class Bf16 {
    /** Largest finite bf16, (2 - 2^-7) * 2^127. */
    public static final float MAX_VALUE = Float.intBitsToFloat(0x7f7f_0000);

    private Bf16() {
    }

    /** Rounds {@code value} to the nearest bf16 (ties to even) and returns its bits. */
    public static short fromFloat(float value) {
        int bits = Float.floatToRawIntBits(value);
        if ((bits & 0x7fff_ffff) > 0x7f80_0000) {
            // NaN: keep the top seven payload bits (so every bf16 NaN code survives bf16 -> float -> bf16,
            // as with Fp16); a payload that would vanish, which would read as infinity, becomes the quiet NaN.
            int top = bits >>> 16;
            return (short) ((top & 0x7f) == 0 ? top | 0x0040 : top);
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1);
        return (short) (rounded >>> 16);
    }

    /** The exact float value of the bf16 {@code bits}. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** {@code value} rounded to the nearest representable bf16, as a float. */
    public static float round(float value) {
        return toFloat(fromFloat(value));
    }

    /** True for the bits of ±infinity or NaN. */
    public static boolean isNonFinite(short bits) {
        return (bits & 0x7f80) == 0x7f80;
    }
}
