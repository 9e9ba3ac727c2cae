package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LowPrecisionArraysTest {
    private static float[] randomFloats(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = i % 5 == 0 ? Float.intBitsToFloat(random.nextInt()) : (float) random.nextDouble(-1e5, 1e5);
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP16", "BF16"})
    void bulkEncodeAndDecodeAgreeWithTheScalarConverters(Precision precision) {
        float[] src = randomFloats(10_007, 42);
        short[] codes = LowPrecisionArrays.encode(precision, src);
        float[] decoded = LowPrecisionArrays.decode(precision, codes);
        for (int i = 0; i < src.length; i++) {
            short expected = precision == Precision.FP16 ? Fp16.fromFloat(src[i]) : Bf16.fromFloat(src[i]);
            assertEquals(expected, codes[i], "code at " + i);
            float back = precision == Precision.FP16 ? Fp16.toFloat(codes[i]) : Bf16.toFloat(codes[i]);
            assertEquals(Float.floatToRawIntBits(back), Float.floatToRawIntBits(decoded[i]), "decoded at " + i);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP16", "BF16"})
    void offsetsTouchOnlyTheirRange(Precision precision) {
        float[] src = randomFloats(50, 3);
        short[] dst = new short[40];
        Arrays.fill(dst, (short) 0x1234);
        LowPrecisionArrays.encode(precision, src, 7, dst, 11, 13);
        for (int i = 0; i < dst.length; i++) {
            short expected = i >= 11 && i < 24 ? precision.encode(src[7 + i - 11]) : (short) 0x1234;
            assertEquals(expected, dst[i], "dst[" + i + "]");
        }
        float[] floats = new float[30];
        Arrays.fill(floats, -7f);
        LowPrecisionArrays.decode(precision, dst, 11, floats, 5, 13);
        for (int i = 0; i < floats.length; i++) {
            float expected = i >= 5 && i < 18 ? precision.decode(dst[11 + i - 5]) : -7f;
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(floats[i]), "floats[" + i + "]");
        }
    }

    @Test
    void zeroCountAtTheEndIsAllowed() {
        short[] dst = new short[3];
        LowPrecisionArrays.encode(Precision.FP16, new float[3], 3, dst, 3, 0);
        LowPrecisionArrays.decode(Precision.BF16, dst, 3, new float[0], 0, 0);
        assertArrayEquals(new short[3], dst);
    }

    @Test
    void rangesOutsideTheArraysAreErrorsNamingTheOperand() {
        float[] src = new float[10];
        short[] dst = new short[10];
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> LowPrecisionArrays.encode(Precision.FP16, src, 5, dst, 0, 6));
        assertTrue(e.getMessage().contains("source") && e.getMessage().contains("10"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> LowPrecisionArrays.encode(Precision.FP16, src, 0, dst, 8, 3));
        assertTrue(e.getMessage().contains("destination"), e.getMessage());
        e = assertThrows(IndexOutOfBoundsException.class, () -> LowPrecisionArrays.decode(Precision.BF16, dst, -1, new float[10], 0, 1));
        assertTrue(e.getMessage().contains("source"), e.getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> LowPrecisionArrays.decode(Precision.BF16, dst, 0, new float[10], 0, -1));
        assertThrows(IndexOutOfBoundsException.class, () -> LowPrecisionArrays.roundInPlace(Precision.FP16, new float[4], 2, 3));
    }

    @Test
    void hugeCountsDoNotOverflowPastTheBoundsCheck() {
        short[] dst = new short[10];
        Arrays.fill(dst, (short) 5);
        // off + count overflows int; the check must still reject it before anything is written.
        assertThrows(IndexOutOfBoundsException.class,
                () -> LowPrecisionArrays.encode(Precision.FP16, new float[10], 0, dst, 2, Integer.MAX_VALUE));
        assertThrows(IndexOutOfBoundsException.class,
                () -> LowPrecisionArrays.roundInPlace(Precision.FP16, new float[10], 1, Integer.MAX_VALUE));
        short[] untouched = new short[10];
        Arrays.fill(untouched, (short) 5);
        assertArrayEquals(untouched, dst);
    }

    @Test
    void fp32HasNoCodes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LowPrecisionArrays.encode(Precision.FP32, new float[1]));
        assertTrue(e.getMessage().contains("FP32"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> LowPrecisionArrays.decode(Precision.FP32, new short[1]));
    }

    @Test
    void roundInPlaceRoundsOnlyTheRangeAndIsIdentityForFp32() {
        float[] values = {1.0001f, 1.0001f, 1.0001f, 1.0001f};
        LowPrecisionArrays.roundInPlace(Precision.FP16, values, 1, 2);
        assertArrayEquals(new float[] {1.0001f, 1f, 1f, 1.0001f}, values);
        float[] bf = {3.14159f, 1e-3f};
        LowPrecisionArrays.roundInPlace(Precision.BF16, bf, 0, 2);
        assertEquals(Bf16.round(3.14159f), bf[0]);
        assertEquals(Bf16.round(1e-3f), bf[1]);
        float[] fp32 = {1.0001f, Float.NaN};
        LowPrecisionArrays.roundInPlace(Precision.FP32, fp32, 0, 2);
        assertEquals(1.0001f, fp32[0]);
        assertTrue(Float.isNaN(fp32[1]));
    }
}
