package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Bf16;
import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.vector.Float2Vector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ArrowMatrixTest extends LeakCheckedAllocator {
    static float[] randomValues(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian() * 100f;
        }
        v[0] = Float.NaN;
        if (n > 3) {
            v[1] = -0f;
            v[2] = 1e9f; // overflows FP16 to +inf
            v[3] = 1e-30f; // FP16 underflow to 0, BF16 keeps it
        }
        return v;
    }

    static float[] expectedRounded(Precision precision, float[] values) {
        float[] out = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = precision == Precision.FP16 ? Fp16.round(values[i]) : precision == Precision.BF16 ? Bf16.round(values[i]) : values[i];
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Precision.class)
    void valuesRoundTripThroughArrowRoundedToThePrecision(Precision precision) {
        int rows = 37;
        int cols = 13;
        float[] values = randomValues(rows * cols, precision.ordinal());
        try (ArrowMatrix m = ArrowMatrices.fromRowsRoundingToNearestEven(root, "m", precision, rows, cols, values)) {
            assertEquals(rows, m.rows());
            assertEquals(cols, m.cols());
            assertEquals(precision, m.precision());
            float[] back = new float[rows * cols];
            m.readFloats(0, rows, back, 0);
            float[] expected = expectedRounded(precision, values);
            for (int i = 0; i < back.length; i++) {
                assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(back[i]), "value " + i);
            }
            assertTrue(Float.isNaN(back[0]), "NaN stays NaN");
            assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(back[1]), "-0 keeps its sign");
            // a middle range of rows, at an offset
            float[] part = new float[5 + 3 * cols];
            m.readFloats(10, 3, part, 5);
            for (int i = 0; i < 3 * cols; i++) {
                assertEquals(Float.floatToIntBits(expected[10 * cols + i]), Float.floatToIntBits(part[5 + i]));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP16", "BF16"})
    void codesAreExactlyTheConvertersOutput(Precision precision) {
        int rows = 9;
        int cols = 11;
        float[] values = randomValues(rows * cols, 99);
        try (ArrowMatrix m = ArrowMatrices.fromRowsRoundingToNearestEven(root, "codes", precision, rows, cols, values)) {
            short[] codes = new short[rows * cols + 2];
            m.readCodes(0, rows, codes, 2);
            for (int i = 0; i < rows * cols; i++) {
                short expected = precision == Precision.FP16 ? Fp16.fromFloat(values[i]) : Bf16.fromFloat(values[i]);
                assertEquals(expected, codes[2 + i], "code " + i);
            }
            // codes written as they are come back unchanged, including NaN payloads and subnormals
            short[] raw = {(short) 0x7c01, (short) 0x0001, (short) 0x8000, (short) 0xfbff, (short) 0x7f81, 0x1234, 0, 1, 2, 3, 4};
            m.writeCodes(4, 1, raw, 0);
            short[] back = new short[cols];
            m.readCodes(4, 1, back, 0);
            assertArrayEquals(raw, back);
        }
    }

    @Test
    void arrowLayoutIsFixedSizeListOfTheElementType() {
        try (ArrowMatrix fp16 = ArrowMatrices.allocate(root, "h", Precision.FP16, 4, 3);
             ArrowMatrix bf16 = ArrowMatrices.allocate(root, "b", Precision.BF16, 4, 3);
             ArrowMatrix fp32 = ArrowMatrices.allocate(root, "f", Precision.FP32, 4, 3)) {
            fp16.writeRowRoundingToNearestEven(2, new float[] {1.5f, -2f, 65504f});
            FixedSizeListVector h = ((ListMatrix) fp16).vector();
            assertEquals(3, h.getListSize());
            assertEquals(4, h.getValueCount());
            Float2Vector halfs = assertInstanceOf(Float2Vector.class, h.getDataVector());
            assertEquals(1.5f, halfs.getValueAsFloat(6));
            assertEquals(-2f, halfs.getValueAsFloat(7));
            assertEquals(0f, halfs.getValueAsFloat(0));
            assertEquals(0, h.getNullCount());
            assertEquals(0, halfs.getNullCount());

            bf16.writeRowRoundingToNearestEven(1, new float[] {3.14159f, 0f, -1f});
            Bf16Type.Bf16Vector b = assertInstanceOf(Bf16Type.Bf16Vector.class, ((ListMatrix) bf16).vector().getDataVector());
            assertEquals(Bf16.round(3.14159f), b.getObject(3));
            assertEquals(Bf16Type.NAME, ((Bf16Type) b.getField().getType()).extensionName());

            fp32.writeRowRoundingToNearestEven(3, new float[] {0.1f, 0.2f, 0.3f});
            Float4Vector f = assertInstanceOf(Float4Vector.class, ((ListMatrix) fp32).vector().getDataVector());
            assertEquals(0.2f, f.get(10));
        }
    }

    @Test
    void closeFreesEverythingAndIsIdempotent() {
        ArrowMatrix m = ArrowMatrices.allocate(root, "big", Precision.FP16, 256, 784);
        assertTrue(m.bytesUsed() >= 256L * 784 * 2, "holds at least the data: " + m.bytesUsed());
        assertEquals(m.bytesUsed(), root.getAllocatedMemory());
        m.close();
        m.close();
        assertEquals(0, root.getAllocatedMemory());
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> m.readFloats(0, 1, new float[784], 0));
        assertTrue(e.getMessage().contains("big"), e.getMessage());
    }

    @Test
    void badInputIsAnErrorNamingTheProblem() {
        try (ArrowMatrix m = ArrowMatrices.allocate(root, "feat", Precision.FP16, 4, 3)) {
            IllegalArgumentException rowLength = assertThrows(IllegalArgumentException.class,
                    () -> m.writeRowRoundingToNearestEven(1, new float[4]));
            assertTrue(rowLength.getMessage().contains("row 1") && rowLength.getMessage().contains("4 values")
                    && rowLength.getMessage().contains("3 columns"), rowLength.getMessage());
            IndexOutOfBoundsException rows = assertThrows(IndexOutOfBoundsException.class, () -> m.readFloats(3, 2, new float[6], 0));
            assertTrue(rows.getMessage().contains("feat") && rows.getMessage().contains("[3, 5)"), rows.getMessage());
            IndexOutOfBoundsException array = assertThrows(IndexOutOfBoundsException.class, () -> m.readCodes(0, 2, new short[6], 1));
            assertTrue(array.getMessage().contains("destination") && array.getMessage().contains("length 6"), array.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> m.writeRowsRoundingToNearestEven(-1, 1, new float[3], 0));
            assertThrows(IndexOutOfBoundsException.class, () -> m.writeCodes(0, 1, new short[3], -1));
        }
        try (ArrowMatrix fp32 = ArrowMatrices.allocate(root, "f32", Precision.FP32, 1, 1)) {
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> fp32.readCodes(0, 1, new short[1], 0));
            assertTrue(e.getMessage().contains("FP32"), e.getMessage());
        }
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> ArrowMatrices.allocate(root, "empty", Precision.BF16, 2, 0));
        assertTrue(shape.getMessage().contains("2x0"), shape.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> ArrowMatrices.fromRowsRoundingToNearestEven(root, "x", Precision.BF16, 2, 3, new float[5]));
        assertTrue(count.getMessage().contains("needs 6 values, got 5"), count.getMessage());
        assertEquals(0, root.getAllocatedMemory(), "failed constructions leave nothing behind");
    }

    @Test
    void zeroRowMatrixIsAllowed() {
        try (ArrowMatrix m = ArrowMatrices.allocate(root, "none", Precision.BF16, 0, 5)) {
            m.readFloats(0, 0, new float[0], 0);
            assertEquals(0, m.rows());
        }
    }
}
