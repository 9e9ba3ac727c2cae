package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Fp16} against the independent {@link Binary16Reference}, on every bulk conversion path
 * ({@link Converters#paths}: scalar and Vector API loops, over arrays and off-heap buffers). The ten
 * million random floats are in {@link RandomFloatsTest}.
 */
class Fp16Test {
    private static final Binary16Reference REF = Binary16Reference.FP16;
    private static final Precision FP16 = Precision.FP16;

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void everyHalfBitPatternSurvivesHalfToFloatToHalf(Converters.Path path) {
        short[] codes = allCodes();
        float[] floats = path.decode(FP16, codes);
        short[] back = path.encode(FP16, floats);
        for (int code = 0; code <= 0xffff; code++) {
            if ((back[code] & 0xffff) != code) {
                fail(path + ": half 0x" + Integer.toHexString(code) + " -> " + floats[code] + " -> 0x" + Integer.toHexString(back[code] & 0xffff));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void toFloatMatchesTheReferenceFormulaForEveryCode(Converters.Path path) {
        float[] floats = path.decode(FP16, allCodes());
        for (int code = 0; code <= 0xffff; code++) {
            float f = floats[code];
            assertEquals(Float.floatToRawIntBits(Fp16.toFloat((short) code)), Float.floatToRawIntBits(f),
                    path + " and the scalar decode of 0x" + Integer.toHexString(code));
            if (REF.isNaNCode(code)) {
                assertTrue(Float.isNaN(f), "code 0x" + Integer.toHexString(code) + " must decode to NaN");
                assertEquals((code & 0x8000) != 0, Float.floatToRawIntBits(f) < 0, "NaN sign of 0x" + Integer.toHexString(code));
            } else {
                double expected = REF.decode(code);
                // Compare bits so that -0.0 and 0.0 differ.
                assertEquals(Double.doubleToRawLongBits(expected), Double.doubleToRawLongBits(f),
                        "decode of 0x" + Integer.toHexString(code));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void everyHalfwayPointTiesToEvenAndItsNeighboursRoundToNearest(Converters.Path path) {
        int n = REF.infinityCode();
        float[] inputs = new float[6 * n];
        int[] expected = new int[6 * n];
        for (int code = 0; code < n; code++) {
            float mid = REF.midpoint(code);
            int even = (code & 1) == 0 ? code : code + 1;
            for (int s = 0; s < 2; s++) {
                int sign = s == 0 ? 0 : 0x8000;
                float signedMid = s == 0 ? mid : -mid;
                int at = 6 * code + 3 * s;
                inputs[at] = signedMid;
                expected[at] = sign | even;
                inputs[at + 1] = stepMagnitude(signedMid, -1);
                expected[at + 1] = sign | code;
                inputs[at + 2] = stepMagnitude(signedMid, 1);
                expected[at + 2] = sign | (code + 1);
            }
        }
        short[] actual = path.encode(FP16, inputs);
        for (int i = 0; i < inputs.length; i++) {
            if ((actual[i] & 0xffff) != expected[i]) {
                fail(path + ": fromFloat(" + inputs[i] + ") expected 0x" + Integer.toHexString(expected[i]) + " got 0x"
                        + Integer.toHexString(actual[i] & 0xffff));
            }
        }
    }

    @Test
    void edgeCases() {
        assertHalf(0x7bff, 65504f);
        assertHalf(0x7bff, 65519.996f);
        assertHalf(0x7c00, 65520f);
        assertHalf(0xfc00, -65520f);
        assertHalf(0x7c00, Float.MAX_VALUE);
        assertHalf(0x7c00, Float.POSITIVE_INFINITY);
        assertHalf(0xfc00, Float.NEGATIVE_INFINITY);
        assertHalf(0x0001, 0x1p-24f);
        assertHalf(0x0000, 0x1p-25f);
        assertHalf(0x8000, -0x1p-25f);
        assertHalf(0x0001, Math.nextUp(0x1p-25f));
        assertHalf(0x0000, Math.nextDown(0x1p-25f));
        assertHalf(0x0002, 0x1.8p-24f); // 1.5 * 2^-24 ties to even 2
        assertHalf(0x0002, 0x1.4p-23f); // 2.5 * 2^-24 ties to even 2
        assertHalf(0x03ff, 0x1.ff8p-15f); // largest subnormal
        assertHalf(0x0400, 0x1p-14f); // smallest normal
        assertHalf(0x0400, 0x1.ffcp-15f); // halfway between largest subnormal (odd) and 2^-14 (even)
        assertHalf(0x3c00, 1f);
        assertHalf(0x3c00, 1f + 0x1p-11f); // halfway 1 and 1+2^-10 ties to even 1
        assertHalf(0x3c02, 1f + 0x1.8p-10f); // halfway 1+2^-10 and 1+2^-9 ties to even
        assertHalf(0xc000, -2f);
        assertHalf(0x0000, 0f);
        assertHalf(0x8000, -0f);
        assertHalf(0x0000, Float.MIN_VALUE);
        assertHalf(0x8000, -Float.MIN_VALUE);
        assertEquals(65504f, Fp16.MAX_VALUE);
        assertEquals(Fp16.MAX_VALUE, Fp16.toFloat((short) 0x7bff));
        assertEquals(Fp16.MIN_NORMAL, Fp16.toFloat((short) 0x0400));
        assertEquals(Fp16.MIN_VALUE, Fp16.toFloat((short) 0x0001));
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void nanStaysNanKeepsItsSignAndThePayloadThatFits(Converters.Path path) {
        int[] nanBits = {0x7fc0_0000, 0xffc0_0000, 0x7f80_0001, 0xff80_0001, 0x7fa0_0000, 0x7fff_ffff, 0x7f80_2000, 0x7fc0_2000};
        for (int bits : nanBits) {
            float nan = Float.intBitsToFloat(bits);
            short half = path.encode(FP16, Converters.copies(nan, 37))[36];
            String what = path + ": NaN 0x" + Integer.toHexString(bits) + " -> 0x" + Integer.toHexString(half & 0xffff);
            assertEquals(Fp16.fromFloat(nan), half, what + " differs from the scalar converter");
            assertTrue(Fp16.isNonFinite(half) && (half & 0x3ff) != 0, what + " is not a NaN half");
            assertEquals(bits < 0, half < 0, what + " lost its sign");
            int topPayload = (bits >>> 13) & 0x3ff;
            if (topPayload != 0) {
                assertEquals(topPayload, half & 0x3ff, what + " lost payload bits that fit");
            }
            assertTrue(Float.isNaN(path.round(FP16, Converters.copies(nan, 37))[0]), what);
        }
    }

    @Test
    void isNonFiniteAgreesWithTheReference() {
        for (int code = 0; code <= 0xffff; code++) {
            boolean nonFinite = REF.isNaNCode(code) || Double.isInfinite(REF.decode(code));
            assertEquals(nonFinite, Fp16.isNonFinite((short) code), "isNonFinite(0x" + Integer.toHexString(code) + ")");
        }
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void roundAgreesWithTheReference(Converters.Path path) {
        SplittableRandom random = new SplittableRandom(7);
        float[] values = new float[100_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-70_000, 70_000);
        }
        float[] rounded = path.round(FP16, values);
        for (int i = 0; i < values.length; i++) {
            float x = values[i];
            assertEquals((float) REF.decode(REF.encode(x)), rounded[i], path + ": round(" + x + ")");
            assertEquals(rounded[i], Fp16.round(x), "Fp16.round(" + x + ")");
        }
    }

    /** The float {@code steps} ulps away from zero (toward zero when negative) from the nonzero {@code x}. */
    static float stepMagnitude(float x, int steps) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) + steps);
    }

    /** Every 16-bit pattern, in order. */
    static short[] allCodes() {
        short[] codes = new short[0x10000];
        for (int code = 0; code <= 0xffff; code++) {
            codes[code] = (short) code;
        }
        return codes;
    }

    /** The reference, the scalar converter, {@link Precision#encode} and every bulk path agree on {@code x}. */
    private static void assertHalf(int expectedCode, float x) {
        assertEquals(expectedCode, REF.encode(x), () -> "the reference itself disagrees on " + x);
        assertEquals(expectedCode, Fp16.fromFloat(x) & 0xffff, () -> "fromFloat(" + x + ")");
        assertEquals(expectedCode, FP16.encode(x) & 0xffff, () -> "Precision.FP16.encode(" + x + ")");
        for (Converters.Path path : Converters.paths()) {
            if (Converters.available(path)) {
                short[] codes = path.encode(FP16, Converters.copies(x, 37));
                for (short code : codes) {
                    assertEquals(expectedCode, code & 0xffff, () -> path + ": encode(" + x + ")");
                }
            }
        }
    }
}
