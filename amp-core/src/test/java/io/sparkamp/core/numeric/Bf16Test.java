package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Bf16} against the independent {@link Binary16Reference}. */
class Bf16Test {
    private static final Binary16Reference REF = Binary16Reference.BF16;
    private static final int RANDOM_COUNT = 10_000_000;

    @Test
    void everyBf16BitPatternSurvivesBf16ToFloatToBf16() {
        for (int code = 0; code <= 0xffff; code++) {
            float f = Bf16.toFloat((short) code);
            int back = Bf16.fromFloat(f) & 0xffff;
            if (back != code) {
                fail("bf16 0x" + Integer.toHexString(code) + " -> " + f + " -> 0x" + Integer.toHexString(back));
            }
        }
    }

    @Test
    void toFloatMatchesTheReferenceFormulaForEveryCode() {
        for (int code = 0; code <= 0xffff; code++) {
            float f = Bf16.toFloat((short) code);
            if (REF.isNaNCode(code)) {
                assertTrue(Float.isNaN(f), "code 0x" + Integer.toHexString(code) + " must decode to NaN");
            } else {
                assertEquals(Double.doubleToRawLongBits(REF.decode(code)), Double.doubleToRawLongBits(f),
                        "decode of 0x" + Integer.toHexString(code));
            }
        }
    }

    @Test
    void fromFloatMatchesTheReferenceOnTenMillionRandomFloats() {
        SplittableRandom random = new SplittableRandom(0xbf16L);
        int[] lowHalves = {0x8000, 0x7fff, 0x8001, 0x0000, 0x0001, 0xffff};
        for (int i = 0; i < RANDOM_COUNT; i++) {
            int bits;
            switch (i % 4) {
                case 0: // any float, uniformly over bit patterns
                    bits = random.nextInt();
                    break;
                case 1: // at or next to a halfway point (low 16 bits 0x8000) or a representable value
                    bits = (random.nextInt() & 0xffff_0000) | lowHalves[random.nextInt(lowHalves.length)];
                    break;
                case 2: // float subnormals and the smallest normals: bf16 subnormals and rounding into them
                    bits = random.nextInt(0x0180_0000) | (random.nextBoolean() ? 0x8000_0000 : 0);
                    break;
                default: // the top binade, where rounding overflows to infinity
                    bits = 0x7f00_0000 | random.nextInt(0x0080_0000) | (random.nextBoolean() ? 0x8000_0000 : 0);
                    break;
            }
            checkOne(Float.intBitsToFloat(bits));
        }
    }

    @Test
    void everyHalfwayPointTiesToEven() {
        for (int code = 0; code < REF.infinityCode(); code++) {
            float mid = REF.midpoint(code);
            int even = (code & 1) == 0 ? code : code + 1;
            assertBf16(even, mid);
            assertBf16(0x8000 | even, -mid);
            assertBf16(code, Fp16Test.stepMagnitude(mid, -1));
            assertBf16(code + 1, Fp16Test.stepMagnitude(mid, 1));
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

    @Test
    void nanStaysNanWithItsSign() {
        int[] nanBits = {0x7fc0_0000, 0xffc0_0000, 0x7f80_0001, 0xff80_0001, 0x7fa0_0000, 0x7fff_ffff, 0x7f81_0000};
        for (int bits : nanBits) {
            short code = Bf16.fromFloat(Float.intBitsToFloat(bits));
            String what = "NaN 0x" + Integer.toHexString(bits) + " -> 0x" + Integer.toHexString(code & 0xffff);
            assertTrue(REF.isNaNCode(code & 0xffff), what + " is not a NaN bf16");
            assertEquals(bits < 0, code < 0, what + " lost its sign");
            if ((bits & 0x007f_0000) != 0) {
                assertEquals((bits >>> 16) & 0x7f, code & 0x7f, what + " lost payload bits that fit");
            }
        }
    }

    @Test
    void isNonFiniteAndRoundAgreeWithTheReference() {
        for (int code = 0; code <= 0xffff; code++) {
            boolean nonFinite = REF.isNaNCode(code) || Double.isInfinite(REF.decode(code));
            assertEquals(nonFinite, Bf16.isNonFinite((short) code), "isNonFinite(0x" + Integer.toHexString(code) + ")");
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) random.nextDouble(-1e6, 1e6);
            assertEquals((float) REF.decode(REF.encode(x)), Bf16.round(x), "round(" + x + ")");
            assertEquals((float) REF.decode(REF.encode(x)), Precision.BF16.round(x), "Precision.BF16.round(" + x + ")");
        }
    }

    private static void checkOne(float x) {
        short actual = Bf16.fromFloat(x);
        if (Float.isNaN(x)) {
            if (!REF.isNaNCode(actual & 0xffff)) {
                fail("NaN 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + " became 0x" + Integer.toHexString(actual & 0xffff));
            }
            return;
        }
        int expected = REF.encode(x);
        if ((actual & 0xffff) != expected) {
            fail("fromFloat(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + "): expected 0x"
                    + Integer.toHexString(expected) + " got 0x" + Integer.toHexString(actual & 0xffff));
        }
    }

    private static void assertBf16(int expectedCode, float x) {
        assertEquals(expectedCode, REF.encode(x), () -> "the reference itself disagrees on " + x);
        assertEquals(expectedCode, Bf16.fromFloat(x) & 0xffff, () -> "fromFloat(" + x + ")");
        assertEquals(expectedCode, Precision.BF16.encode(x) & 0xffff, () -> "Precision.BF16.encode(" + x + ")");
    }
}
