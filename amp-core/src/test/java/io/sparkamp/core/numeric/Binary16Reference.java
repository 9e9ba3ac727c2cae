package io.sparkamp.core.numeric;

/**
 * An independent reference for 16-bit float formats, written for the tests and sharing no code or
 * bit tricks with {@link Fp16} or {@link Bf16}.
 *
 * <p>Decoding evaluates the textbook formula {@code (-1)^s · (2^p + m) · 2^(e - bias - p)} (or
 * {@code m · 2^(1 - bias - p)} for subnormals) in double arithmetic. Encoding builds the sorted table of
 * every non-negative finite value plus a sentinel entry for the infinity code, whose formula value is
 * {@code 2^(emax + 1)}: the value the format would have next if its exponent range went on. Rounding a
 * value then is "find the two neighbouring table entries by binary search, take the nearer, on a tie take
 * the even code". The sentinel turns the IEEE overflow rule (round as if the exponent range were
 * unbounded, then overflow to infinity) into an ordinary table neighbour: for FP16, 65520 is exactly
 * halfway between 65504 (odd code 0x7bff) and 65536 (even code 0x7c00) and so overflows.
 */
final class Binary16Reference {
    static final Binary16Reference FP16 = new Binary16Reference(5, 10);
    static final Binary16Reference BF16 = new Binary16Reference(8, 7);

    private final int mantissaBits;
    private final int infinityCode;
    /** value[c] for every code c in [0, infinityCode], increasing with c. */
    private final double[] values;

    private Binary16Reference(int exponentBits, int mantissaBits) {
        this.mantissaBits = mantissaBits;
        this.infinityCode = ((1 << exponentBits) - 1) << mantissaBits;
        this.values = new double[infinityCode + 1];
        for (int code = 0; code <= infinityCode; code++) {
            values[code] = magnitude(code, exponentBits, mantissaBits);
        }
    }

    private static double magnitude(int code, int exponentBits, int mantissaBits) {
        int bias = (1 << (exponentBits - 1)) - 1;
        int exponent = code >> mantissaBits;
        int mantissa = code & ((1 << mantissaBits) - 1);
        if (exponent == 0) {
            return Math.scalb((double) mantissa, 1 - bias - mantissaBits);
        }
        return Math.scalb((double) ((1 << mantissaBits) + mantissa), exponent - bias - mantissaBits);
    }

    int infinityCode() {
        return infinityCode;
    }

    int signBit() {
        return 0x8000;
    }

    boolean isNaNCode(int code) {
        return (code & 0x7fff) > infinityCode;
    }

    /** The value of a non-NaN code (±infinity for the infinity codes). */
    double decode(int code) {
        int magnitudeCode = code & 0x7fff;
        if (magnitudeCode > infinityCode) {
            throw new IllegalArgumentException("NaN code " + Integer.toHexString(code) + " has no value");
        }
        double magnitude = magnitudeCode == infinityCode ? Double.POSITIVE_INFINITY : values[magnitudeCode];
        return (code & 0x8000) != 0 ? -magnitude : magnitude;
    }

    /** The code nearest to the non-NaN {@code x}, ties to the even code; overflow gives infinity. */
    int encode(float x) {
        if (Float.isNaN(x)) {
            throw new IllegalArgumentException("the reference does not round NaN");
        }
        int sign = Float.floatToRawIntBits(x) < 0 ? 0x8000 : 0;
        double a = Math.abs((double) x);
        if (a >= values[infinityCode]) {
            return sign | infinityCode;
        }
        // Largest lo with values[lo] <= a; values[0] = 0 <= a always, values[infinityCode] > a.
        int lo = 0;
        int hi = infinityCode;
        while (hi - lo > 1) {
            int mid = (lo + hi) >>> 1;
            if (values[mid] <= a) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        if (values[lo] == a) {
            return sign | lo;
        }
        // Compare 2a with lo + hi instead of the two distances: both sides are exact in double.
        double twice = 2 * a;
        double sum = values[lo] + values[hi];
        int code;
        if (twice < sum) {
            code = lo;
        } else if (twice > sum) {
            code = hi;
        } else {
            code = (lo & 1) == 0 ? lo : hi;
        }
        return sign | code;
    }

    /** Value halfway between the positive codes {@code code} and {@code code + 1}, exact in float. */
    float midpoint(int code) {
        double mid = (values[code] + values[code + 1]) / 2;
        float f = (float) mid;
        if (f != mid) {
            throw new AssertionError("midpoint of code " + code + " is not a float");
        }
        return f;
    }

    int mantissaBits() {
        return mantissaBits;
    }
}
