package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Vectorization;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The gradient passes: the scalar ones against plain arithmetic, and the Vector API ones against the scalar
 * ones to the bit, on lengths and offsets off the vector width, with awkward values (zeros of both signs,
 * subnormals, values that overflow or underflow when scaled, NaN and infinities) at every position.
 * The vector half is skipped, with the reason, where the incubator module is absent.
 */
class GradientPassesTest {
    private static final float[] AWKWARD = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 1e-30f, 3e38f, -3e38f, 1f, -1f,
            1e-8f, 6e-8f, 65504f};
    private static final double[] FACTORS = {1.0, 1.0 / 65536, 1.0 / 3, 1.0 / 1000, 1e-30, 1e30, 4.0};
    private static final int[] SIZES = {0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 64, 1_003};

    @Test
    void scalarPassesAreThePlainArithmetic() {
        GradientPasses scalar = GradientPasses.scalar();
        float[] values = {3f, -4f, 1e-30f, 2.5f};
        double squares = scalar.scaleAndSumSquares(values, 0.5);
        assertEquals(1.5f, values[0]);
        assertEquals(-2f, values[1]);
        assertEquals(5e-31f, values[2]);
        assertEquals(1.5 * 1.5 + 2 * 2 + 1.25 * 1.25, squares, 1e-12, "the squares of the scaled values");
        float[] overflow = {3e38f, 1f};
        assertFalse(Double.isFinite(scalar.scaleAndSumSquares(overflow, 2.0)), "3e38 * 2 overflows float");
        assertEquals(Float.POSITIVE_INFINITY, overflow[0]);
        assertEquals(2f, overflow[1], "every value is scaled, also after the first overflow");
        float[] largest = {Float.MAX_VALUE, -Float.MAX_VALUE, Float.MAX_VALUE};
        assertTrue(Double.isFinite(scalar.scaleAndSumSquares(largest, 1.0)), "finite floats never overflow the double sum");
        assertTrue(Double.isNaN(scalar.scaleAndSumSquares(new float[] {1f, Float.NaN}, 1.0)));
        assertEquals(3 * 3 + 4 * 4 + 12 * 12, scalar.sumOfSquares(new float[] {0f, 3f, 4f, 12f}, 1, 3), 0.0);
    }

    @Test
    void sumOfSquaresMatchesExactArithmeticOnEveryTailLength() {
        SplittableRandom random = new SplittableRandom(5);
        for (int size : SIZES) {
            float[] values = new float[size + 5];
            BigDecimal exact = BigDecimal.ZERO;
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextDouble(-10, 10);
                if (i >= 2 && i < size + 2) {
                    exact = exact.add(new BigDecimal(values[i]).multiply(new BigDecimal(values[i])));
                }
            }
            assertEquals(exact.doubleValue(), Reductions.sumOfSquares(values, 2, size), 2 * (size + 1) * 0x1p-53 * exact.doubleValue(),
                    "size " + size);
        }
    }

    @Test
    void vectorPassesGiveTheScalarBits() {
        Vectorization.Loaded<GradientPasses> loaded = Vectorization.load(GradientPasses.Selected.VECTOR_CLASS, GradientPasses.class);
        Assumptions.assumeTrue(loaded.instance() != null, loaded::reason);
        GradientPasses vector = loaded.instance();
        GradientPasses scalar = GradientPasses.scalar();
        SplittableRandom random = new SplittableRandom(9);
        for (int size : SIZES) {
            for (int special = -1; special < 3; special++) {
                float[] values = new float[size];
                for (int i = 0; i < size; i++) {
                    values[i] = i % 11 == 0 ? AWKWARD[(i / 11) % AWKWARD.length] : (float) (random.nextGaussian() * 1e-3);
                }
                if (special >= 0 && size > 0) { // one non-finite value: first, last or in the middle
                    int at = special == 0 ? 0 : special == 1 ? size - 1 : size / 2;
                    values[at] = special == 2 ? Float.NaN : Float.NEGATIVE_INFINITY;
                }
                String what = "size " + size + " special " + special;
                for (int off = 0; off <= Math.min(3, size); off++) {
                    int count = size - off - (size > 8 ? 2 : 0);
                    if (count < 0) {
                        continue;
                    }
                    assertEquals(Double.doubleToRawLongBits(scalar.sumOfSquares(values, off, count)),
                            Double.doubleToRawLongBits(vector.sumOfSquares(values, off, count)), what + " sumOfSquares off " + off);
                }
                for (double factor : FACTORS) {
                    float[] s = values.clone();
                    float[] v = values.clone();
                    double scalarSquares = scalar.scaleAndSumSquares(s, factor);
                    double vectorSquares = vector.scaleAndSumSquares(v, factor);
                    assertEquals(Double.doubleToRawLongBits(scalarSquares), Double.doubleToRawLongBits(vectorSquares),
                            what + " factor " + factor + " squares");
                    for (int i = 0; i < size; i++) {
                        assertEquals(Float.floatToRawIntBits(s[i]), Float.floatToRawIntBits(v[i]), what + " factor " + factor + " element " + i);
                    }
                    // The fused pass gives the bits of the two passes it replaces: scale, then sum the squares.
                    assertEquals(Double.doubleToRawLongBits(scalar.sumOfSquares(s, 0, size)), Double.doubleToRawLongBits(scalarSquares),
                            what + " factor " + factor + " squares as the separate pass");
                    boolean allFinite = Reductions.allFinite(s, 0, size);
                    assertEquals(allFinite, Double.isFinite(vectorSquares), what + " factor " + factor + " finite");
                }
            }
        }
    }
}
