package io.sparkamp.core.ops;

/**
 * {@code e^x} in FP32 arithmetic only, the same bits in plain and vector code: softmax's exponential
 * (autocast: exponentials run in FP32). {@code Math.exp} works in double and has no vector form on JDK 17;
 * the Vector API's {@code EXP} calls a library whose last bit may differ from the plain loop's.
 *
 * <p>Cody-Waite reduction and Cephes' {@code expf} polynomial: {@code x = n·ln2 + r} with {@code n} the
 * nearest integer to {@code x·log2(e)} (found by adding and subtracting 1.5·2^23, which also leaves
 * {@code n} in the low bits of the sum) and {@code |r| <= ln2/2}; {@code ln2} is split in two so that
 * {@code n·LN2_HI} is exact and {@code x - n·LN2_HI} loses nothing; {@code e^r} is a degree-7 polynomial
 * (relative error about 1e-7); the result is scaled by {@code 2^n} in two power-of-two factors, the first
 * product exact, so that results down to the smallest subnormal are rounded once. Every operation is a single
 * IEEE multiply or add or an integer operation, in a fixed order, with no fused multiply-add: a vector lane
 * computes exactly what {@link #exp} computes. Accuracy: under 1 ulp from the exact value (so one of the two
 * floats around it) for every float from -105 to 89, normal and subnormal results alike (measured against
 * {@code StrictMath.exp} over all 2.24 billion of them; {@code FloatExpTest} checks a sample).
 * {@code exp(0) = 1} exactly, {@code -inf} gives 0, {@code +inf} gives {@code +inf}, NaN gives NaN.
 */
final class FloatExp {
    static final float LOG2E = 1.44269504088896341f;
    /** 1.5·2^23: adding it rounds a float of magnitude below 2^22 to an integer, held in the low bits. */
    static final float ROUNDER = 0x1.8p23f;
    static final int ROUNDER_BITS = 0x4b40_0000;
    /** ln2 = LN2_HI + LN2_LO; LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| < 2^15. */
    static final float LN2_HI = 0.693359375f;
    static final float LN2_LO = -2.12194440e-4f;
    static final float P0 = 1.9875691500e-4f;
    static final float P1 = 1.3981999507e-3f;
    static final float P2 = 8.3334519073e-3f;
    static final float P3 = 4.1665795894e-2f;
    static final float P4 = 1.6666665459e-1f;
    static final float P5 = 5.0000001201e-1f;
    /**
     * Inputs are clamped to [LOWEST, HIGHEST] first: e^-104 is below half the smallest subnormal (2^-150) and
     * rounds to 0, e^89 is above the largest float and overflows to infinity, and in between {@code n} lies in
     * [-150, 128]. A clamp (MAX and MIN keep NaN) rather than a compare-and-blend afterwards: fewer operations in
     * the vector loop, which C2 must inline whole (docs/vector-code.md).
     */
    static final float LOWEST = -104f;
    static final float HIGHEST = 89f;
    /** The smallest exponent of the first power-of-two factor: the product with it stays normal. */
    static final int LOWEST_FIRST_EXPONENT = -125;

    private FloatExp() {
    }

    /** {@code e^x} in FP32 (see the class comment for the accuracy and the special values). */
    static float exp(float in) {
        float x = Math.min(Math.max(in, LOWEST), HIGHEST);
        float t = x * LOG2E + ROUNDER;
        float n = t - ROUNDER;
        float r = x - n * LN2_HI;
        r = r - n * LN2_LO;
        float p = P0 * r + P1;
        p = p * r + P2;
        p = p * r + P3;
        p = p * r + P4;
        p = p * r + P5;
        float y = p * (r * r) + r + 1f;
        // 2^n as 2^a · 2^b with a = n clamped to [-125, 127], b = n - a in [-25, 1]: y · 2^a is a normal float (y is
        // in [0.7, 1.42]), so only the second multiply rounds. Integer clamps and multiplies rather than shifts: the
        // vector loop boxed with shifts by a vector of counts (docs/vector-code.md).
        int k = Float.floatToRawIntBits(t) - ROUNDER_BITS;
        int a = Math.min(Math.max(k, LOWEST_FIRST_EXPONENT), 127);
        return y * Float.intBitsToFloat((a + 127) * (1 << 23)) * Float.intBitsToFloat((k - a + 127) * (1 << 23));
    }
}
