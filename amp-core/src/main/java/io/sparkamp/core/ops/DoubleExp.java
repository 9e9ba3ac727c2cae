package io.sparkamp.core.ops;

/**
 * {@code e^x} and {@code e^x - 1} in double for the smooth activations (GELU, tanh, sigmoid), written so that a
 * vector lane computes exactly what these methods compute: every step is one IEEE multiply, add or divide or an
 * integer operation, in a fixed order, with no fused multiply-add ({@code VectorSmoothPasses} runs the same steps
 * on lanes). {@code Math.exp} has no vector form on JDK 17, and the Vector API's {@code EXP} calls a library whose
 * last bit may differ from a plain loop's.
 *
 * <p>Reduction: {@code x = n·ln2 + r} with {@code n} the nearest integer to {@code x·log2(e)}, found by adding and
 * subtracting 1.5·2^52 (which also leaves {@code n} in the low bits of the sum), and {@code |r| <= ln2/2 + tiny};
 * {@code ln2} is split in two, the first part with 32 significant bits so that {@code n·LN2_HI} is exact.
 * {@code e^r - 1 = r·(1 + r·(1/2! + r·(1/3! + ... + r/13!)))}, the Taylor series, whose remainder at
 * {@code |r| = ln2/2} is under 2^-57 of the result. Then {@code e^x = 2^n + 2^n·(e^r - 1)} and
 * {@code e^x - 1 = 2^n·(e^r - 1) + (2^n - 1)}, the second with {@code e^r - 1} itself where {@code n = 0} (which
 * keeps its accuracy near 0 and the sign of -0). Both are within a few ulps of the exact value
 * ({@code SmoothFunctionTest} measures them against {@code StrictMath}).
 *
 * <p>Inputs are clamped to [-708, 709], where {@code 2^n} is a normal double: below, the result stays
 * {@code e^-708} (3.3e-308) rather than going to 0, and above it stays {@code e^709}. The activations never tell:
 * a logistic of an argument below -708 is a float 0 either way, and {@code tanh} is 1 from an argument of 20.
 * NaN stays NaN.
 */
final class DoubleExp {
    static final double LOWEST = -708;
    static final double HIGHEST = 709;
    static final double LOG2E = 0x1.71547652b82fep0;
    /** 1.5·2^52: adding it rounds a double of magnitude below 2^51 to an integer, held in the low bits. */
    static final double ROUNDER = 0x1.8p52;
    /** ln2 = LN2_HI + LN2_LO to 2^-86. */
    static final double LN2_HI = 0x1.62e42feep-1;
    static final double LN2_LO = 0x1.a39ef35793c76p-33;
    /** Added to the rounder sum's bits and shifted up 52 places, it gives the bits of 2^n. */
    static final long EXPONENT_BIAS = 1023;
    /** The Taylor coefficients 1/k!, k = 2..13 (k! is exact in a double, so each is the correctly rounded value). */
    static final double C2 = 1.0 / 2;
    static final double C3 = 1.0 / 6;
    static final double C4 = 1.0 / 24;
    static final double C5 = 1.0 / 120;
    static final double C6 = 1.0 / 720;
    static final double C7 = 1.0 / 5040;
    static final double C8 = 1.0 / 40320;
    static final double C9 = 1.0 / 362880;
    static final double C10 = 1.0 / 3628800;
    static final double C11 = 1.0 / 39916800;
    static final double C12 = 1.0 / 479001600;
    static final double C13 = 1.0 / 6227020800L;

    private DoubleExp() {
    }

    /** {@code e^x} for x in [-708, 709] (see the class comment for outside). */
    static double exp(double x) {
        double clamped = clamp(x);
        double t = rounderSum(clamped);
        double powerOfTwo = powerOfTwo(t);
        return powerOfTwo + powerOfTwo * expm1Reduced(reduced(clamped, t));
    }

    /** {@code e^x - 1} for x in [-708, 709], accurate near 0 (see the class comment for outside). */
    static double expm1(double x) {
        double clamped = clamp(x);
        double t = rounderSum(clamped);
        double em1 = expm1Reduced(reduced(clamped, t));
        double powerOfTwo = powerOfTwo(t);
        if (powerOfTwo == 1.0) { // n = 0
            return em1;
        }
        return powerOfTwo * em1 + (powerOfTwo - 1.0);
    }

    static double clamp(double x) {
        return Math.min(Math.max(x, LOWEST), HIGHEST);
    }

    /** {@code x·log2(e) + 1.5·2^52}: {@code n} is this minus the rounder, and sits in the sum's low bits. */
    static double rounderSum(double x) {
        return x * LOG2E + ROUNDER;
    }

    /** {@code r = x - n·ln2} in two steps. */
    static double reduced(double x, double t) {
        double n = t - ROUNDER;
        double r = x - n * LN2_HI;
        return r - n * LN2_LO;
    }

    /** {@code e^r - 1} by the Taylor series to r^13, in the order the vector passes use (highest terms first). */
    static double expm1Reduced(double r) {
        double q = highTerms(r);
        q = q * r + C7;
        q = q * r + C6;
        q = q * r + C5;
        q = q * r + C4;
        q = q * r + C3;
        q = q * r + C2;
        return r * (q * r + 1.0);
    }

    /** The first half of the series' Horner chain: {@code 1/8! + r·(1/9! + ... + r/13!)}. */
    static double highTerms(double r) {
        double q = C13 * r + C12;
        q = q * r + C11;
        q = q * r + C10;
        q = q * r + C9;
        return q * r + C8;
    }

    /** {@code 2^n} from the rounder sum's bits: n sits in the low bits, so its bias added and shifted up is 2^n. */
    static double powerOfTwo(double t) {
        return Double.longBitsToDouble((Double.doubleToRawLongBits(t) + EXPONENT_BIAS) << 52);
    }
}
