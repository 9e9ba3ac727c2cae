package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Bf16} against the independent {@link Binary16Reference}, on every bulk conversion path
 * ({@link Converters#paths}). The ten million random floats are in {@link RandomFloatsTest}.
 */
class Bf16Test {
    private static final Binary16Reference REF = Binary16Reference.BF16;
    private static final Precision BF16 = Precision.BF16;

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void everyBf16BitPatternSurvivesBf16ToFloatToBf16(Converters.Path path) {
        short[] codes = Fp16Test.allCodes();
        float[] floats = path.decode(BF16, codes);
        short[] back = path.encode(BF16, floats);
        for (int code = 0; code <= 0xffff; code++) {
            if ((back[code] & 0xffff) != code) {
                fail(path + ": bf16 0x" + Integer.toHexString(code) + " -> " + floats[code] + " -> 0x" + Integer.toHexString(back[code] & 0xffff));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void toFloatMatchesTheReferenceFormulaForEveryCode(Converters.Path path) {
        float[] floats = path.decode(BF16, Fp16Test.allCodes());
        for (int code = 0; code <= 0xffff; code++) {
            float f = floats[code];
            assertEquals(Float.floatToRawIntBits(Bf16.toFloat((short) code)), Float.floatToRawIntBits(f),
                    path + " and the scalar decode of 0x" + Integer.toHexString(code));
            if (REF.isNaNCode(code)) {
                assertTrue(Float.isNaN(f), "code 0x" + Integer.toHexString(code) + " must decode to NaN");
            } else {
                assertEquals(Double.doubleToRawLongBits(REF.decode(code)), Double.doubleToRawLongBits(f),
                        "decode of 0x" + Integer.toHexString(code));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void everyHalfwayPointTiesToEven(Converters.Path path) {
        int n = REF.infinityCode();
        float[] inputs = new float[4 * n];
        int[] expected = new int[4 * n];
        for (int code = 0; code < n; code++) {
            float mid = REF.midpoint(code);
            int even = (code & 1) == 0 ? code : code + 1;
            inputs[4 * code] = mid;
            expected[4 * code] = even;
            inputs[4 * code + 1] = -mid;
            expected[4 * code + 1] = 0x8000 | even;
            inputs[4 * code + 2] = Fp16Test.stepMagnitude(mid, -1);
            expected[4 * code + 2] = code;
            inputs[4 * code + 3] = Fp16Test.stepMagnitude(mid, 1);
            expected[4 * code + 3] = code + 1;
        }
        short[] actual = path.encode(BF16, inputs);
        for (int i = 0; i < inputs.length; i++) {
            if ((actual[i] & 0xffff) != expected[i]) {
                fail(path + ": fromFloat(" + inputs[i] + ") expected 0x" + Integer.toHexString(expected[i]) + " got 0x"
                        + Integer.toHexString(actual[i] & 0xffff));
            }
        }
    }

    @Test
    void edgeCases() {
        float max = 0x1.fep127f; // (2 - 2^-7) * 2^127
        assertEquals(max, Bf16.MAX_VALUE);
        assertEquals(Bf16.MAX_VALUE, Bf16.toFloat((short) 0x7f7f));
        assertBf16(0x7f7f, max);
        assertBf16(0x7f7f, Math.nextDown(0x1.ffp127f)); // just below halfway to 2^128
        assertBf16(0x7f80, 0x1.ffp127f); // halfway to 2^128: ties to the even code, infinity
        assertBf16(0x7f80, Float.MAX_VALUE);
        assertBf16(0xff80, -Float.MAX_VALUE);
        assertBf16(0x7f80, Float.POSITIVE_INFINITY);
        assertBf16(0xff80, Float.NEGATIVE_INFINITY);
        assertBf16(0x0001, 0x1p-133f); // smallest bf16 subnormal
        assertBf16(0x0000, 0x1p-134f); // half of it ties to even zero
        assertBf16(0x0001, Math.nextUp(0x1p-134f));
        assertBf16(0x0002, 0x1.8p-133f); // 1.5 units ties to even 2
        assertBf16(0x007f, 0x1.fcp-127f); // largest subnormal
        assertBf16(0x0080, 0x1p-126f); // smallest normal
        assertBf16(0x0000, Float.MIN_VALUE);
        assertBf16(0x8000, -Float.MIN_VALUE);
        assertBf16(0x3f80, 1f);
        assertBf16(0x3f80, 1f + 0x1p-8f); // halfway 1 and 1+2^-7: even is 1
        assertBf16(0x3f82, 1f + 0x1.8p-7f); // halfway 1+2^-7 and 1+2^-6: even is 1+2^-6
        assertBf16(0x3f81, 1f + 0x1p-8f + 0x1p-23f); // just above halfway rounds up, never truncates
        assertBf16(0x0000, 0f);
        assertBf16(0x8000, -0f);
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void nanStaysNanWithItsSign(Converters.Path path) {
        int[] nanBits = {0x7fc0_0000, 0xffc0_0000, 0x7f80_0001, 0xff80_0001, 0x7fa0_0000, 0x7fff_ffff, 0x7f81_0000};
        for (int bits : nanBits) {
            float nan = Float.intBitsToFloat(bits);
            short code = path.encode(BF16, Converters.copies(nan, 37))[36];
            String what = path + ": NaN 0x" + Integer.toHexString(bits) + " -> 0x" + Integer.toHexString(code & 0xffff);
            assertEquals(Bf16.fromFloat(nan), code, what + " differs from the scalar converter");
            assertTrue(REF.isNaNCode(code & 0xffff), what + " is not a NaN bf16");
            assertEquals(bits < 0, code < 0, what + " lost its sign");
            if ((bits & 0x007f_0000) != 0) {
                assertEquals((bits >>> 16) & 0x7f, code & 0x7f, what + " lost payload bits that fit");
            }
        }
    }

    @Test
    void isNonFiniteAgreesWithTheReference() {
        for (int code = 0; code <= 0xffff; code++) {
            boolean nonFinite = REF.isNaNCode(code) || Double.isInfinite(REF.decode(code));
            assertEquals(nonFinite, Bf16.isNonFinite((short) code), "isNonFinite(0x" + Integer.toHexString(code) + ")");
        }
    }

    @ParameterizedTest
    @MethodSource("io.sparkamp.core.numeric.Converters#paths")
    void roundAgreesWithTheReference(Converters.Path path) {
        SplittableRandom random = new SplittableRandom(11);
        float[] values = new float[100_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-1e6, 1e6);
        }
        float[] rounded = path.round(BF16, values);
        for (int i = 0; i < values.length; i++) {
            float x = values[i];
            assertEquals((float) REF.decode(REF.encode(x)), rounded[i], path + ": round(" + x + ")");
            assertEquals(rounded[i], Bf16.round(x), "Bf16.round(" + x + ")");
            assertEquals(rounded[i], BF16.round(x), "Precision.BF16.round(" + x + ")");
        }
    }

    /** The reference, the scalar converter, {@link Precision#encode} and every bulk path agree on {@code x}. */
    private static void assertBf16(int expectedCode, float x) {
        assertEquals(expectedCode, REF.encode(x), () -> "the reference itself disagrees on " + x);
        assertEquals(expectedCode, Bf16.fromFloat(x) & 0xffff, () -> "fromFloat(" + x + ")");
        assertEquals(expectedCode, BF16.encode(x) & 0xffff, () -> "Precision.BF16.encode(" + x + ")");
        for (Converters.Path path : Converters.paths()) {
            if (Converters.available(path)) {
                for (short code : path.encode(BF16, Converters.copies(x, 37))) {
                    assertEquals(expectedCode, code & 0xffff, () -> path + ": encode(" + x + ")");
                }
            }
        }
    }
}
