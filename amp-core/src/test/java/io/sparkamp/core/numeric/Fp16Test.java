package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** {@link Fp16} against the independent {@link Binary16Reference}. */
class Fp16Test {
    private static final Binary16Reference REF = Binary16Reference.FP16;
    /** Random inputs per test run, split over three distributions. */
    private static final int RANDOM_COUNT = 10_000_000;

    @Test
    void everyHalfBitPatternSurvivesHalfToFloatToHalf() {
        for (int code = 0; code <= 0xffff; code++) {
            float f = Fp16.toFloat((short) code);
            int back = Fp16.fromFloat(f) & 0xffff;
            if (back != code) {
                fail("half 0x" + Integer.toHexString(code) + " -> " + f + " -> 0x" + Integer.toHexString(back));
            }
        }
    }

    @Test
    void toFloatMatchesTheReferenceFormulaForEveryCode() {
        for (int code = 0; code <= 0xffff; code++) {
            float f = Fp16.toFloat((short) code);
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

    @Test
    void fromFloatMatchesTheReferenceOnTenMillionRandomFloats() {
        SplittableRandom random = new SplittableRandom(0x5eed_f16L);
        for (int i = 0; i < RANDOM_COUNT; i++) {
            int bits;
            switch (i % 3) {
                case 0: // any float at all, uniformly over bit patterns
                    bits = random.nextInt();
                    break;
                case 1: // exponent from below 2^-25 (rounds to zero) to above 65536 (overflows)
                    bits = ((random.nextInt(-27, 18) + 127) << 23) | random.nextInt(1 << 23) | (random.nextBoolean() ? 0x8000_0000 : 0);
                    break;
                default: // within a few float ulps of a halfway point between two halves
                    int code = random.nextInt(REF.infinityCode());
                    bits = Float.floatToRawIntBits(REF.midpoint(code)) + random.nextInt(-3, 4) | (random.nextBoolean() ? 0x8000_0000 : 0);
                    break;
            }
            checkOne(Float.intBitsToFloat(bits));
        }
    }

    @Test
    void everyHalfwayPointTiesToEvenAndItsNeighboursRoundToNearest() {
        for (int code = 0; code < REF.infinityCode(); code++) {
            float mid = REF.midpoint(code);
            int even = (code & 1) == 0 ? code : code + 1;
            for (int sign : new int[] {0, 0x8000}) {
                float signedMid = sign == 0 ? mid : -mid;
                assertHalf(sign | even, signedMid);
                assertHalf(sign | code, stepMagnitude(signedMid, -1));
                assertHalf(sign | (code + 1), stepMagnitude(signedMid, 1));
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

    @Test
    void nanStaysNanKeepsItsSignAndThePayloadThatFits() {
        int[] nanBits = {0x7fc0_0000, 0xffc0_0000, 0x7f80_0001, 0xff80_0001, 0x7fa0_0000, 0x7fff_ffff, 0x7f80_2000, 0x7fc0_2000};
        for (int bits : nanBits) {
            short half = Fp16.fromFloat(Float.intBitsToFloat(bits));
            String what = "NaN 0x" + Integer.toHexString(bits) + " -> 0x" + Integer.toHexString(half & 0xffff);
            assertTrue(Fp16.isNonFinite(half) && (half & 0x3ff) != 0, what + " is not a NaN half");
            assertEquals(bits < 0, half < 0, what + " lost its sign");
            int topPayload = (bits >>> 13) & 0x3ff;
            if (topPayload != 0) {
                assertEquals(topPayload, half & 0x3ff, what + " lost payload bits that fit");
            }
            assertTrue(Float.isNaN(Fp16.round(Float.intBitsToFloat(bits))), what);
        }
    }

    @Test
    void isNonFiniteAndRoundAgreeWithTheReference() {
        for (int code = 0; code <= 0xffff; code++) {
            boolean nonFinite = REF.isNaNCode(code) || Double.isInfinite(REF.decode(code));
            assertEquals(nonFinite, Fp16.isNonFinite((short) code), "isNonFinite(0x" + Integer.toHexString(code) + ")");
        }
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) random.nextDouble(-70_000, 70_000);
            assertEquals((float) REF.decode(REF.encode(x)), Fp16.round(x), "round(" + x + ")");
        }
    }

    /** The float {@code steps} ulps away from zero (toward zero when negative) from the nonzero {@code x}. */
    static float stepMagnitude(float x, int steps) {
        return Float.intBitsToFloat(Float.floatToRawIntBits(x) + steps);
    }

    private static void checkOne(float x) {
        short actual = Fp16.fromFloat(x);
        if (Float.isNaN(x)) {
            if (!Fp16.isNonFinite(actual) || (actual & 0x3ff) == 0) {
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

    private static void assertHalf(int expectedCode, float x) {
        assertEquals(expectedCode, REF.encode(x), () -> "the reference itself disagrees on " + x);
        assertEquals(expectedCode, Fp16.fromFloat(x) & 0xffff, () -> "fromFloat(" + x + ")");
        assertEquals(expectedCode, Precision.FP16.encode(x) & 0xffff, () -> "Precision.FP16.encode(" + x + ")");
    }
}
