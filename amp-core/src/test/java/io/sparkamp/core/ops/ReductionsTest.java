package io.sparkamp.core.ops;

import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReductionsTest {
    @Test
    void sumsAreAccumulatedInDoubleNotFloat() {
        // 2^24 + 1 + 1 + ... in float would stall at 2^24; in double every 1 counts.
        float[] values = new float[1001];
        values[0] = 0x1p24f;
        for (int i = 1; i < values.length; i++) {
            values[i] = 1f;
        }
        assertEquals(16_778_216.0, Reductions.sum(values, 0, values.length));
        assertEquals(1000.0, Reductions.sum(values, 1, 1000));
        assertEquals(0.0, Reductions.sum(values, 5, 0));
    }

    @Test
    void sumAndSumOfSquaresMatchExactArithmetic() {
        SplittableRandom random = new SplittableRandom(3);
        float[] values = new float[5000];
        BigDecimal sum = BigDecimal.ZERO;
        BigDecimal squares = BigDecimal.ZERO;
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-10, 10);
            BigDecimal v = new BigDecimal(values[i]);
            sum = sum.add(v);
            squares = squares.add(v.multiply(v));
        }
        // n additions in double: relative error below n * 2^-53 of the sum of magnitudes (<= 5000 * 10 * 10).
        assertEquals(sum.doubleValue(), Reductions.sum(values, 0, values.length), 5000 * 0x1p-53 * 5000 * 10);
        assertEquals(squares.doubleValue(), Reductions.sumOfSquares(values, 0, values.length), 2 * 5000 * 0x1p-53 * squares.doubleValue());
        assertEquals(Math.sqrt(squares.doubleValue()), Reductions.l2Norm(values), 1e-9 * Math.sqrt(squares.doubleValue()));
        assertEquals(Double.doubleToLongBits(Reductions.sum(values, 0, values.length)),
                Double.doubleToLongBits(Reductions.sum(values.clone(), 0, values.length)), "same input, same bits");
    }

    /**
     * The sums keep eight partial sums, element i in sum (i - off) mod 8, added as ((0+1)+(2+3))+((4+5)+(6+7)):
     * written out here and compared to the bit, on lengths around 8 and at offsets; the squared deviations about
     * a mean likewise, and about 0 they are the sum of squares.
     */
    @Test
    void sumsKeepEightPartialSumsInTheirDocumentedOrder() {
        SplittableRandom random = new SplittableRandom(8);
        for (int count : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 100, 513}) {
            int off = count % 3;
            float[] values = new float[off + count];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian() * 100f;
            }
            double mean = 0.3;
            double[] sums = new double[8];
            double[] deviations = new double[8];
            for (int k = 0; k < count; k++) {
                sums[k % 8] += values[off + k];
                double d = values[off + k] - mean;
                deviations[k % 8] += d * d;
            }
            assertEquals(Double.doubleToRawLongBits(tree(sums)), Double.doubleToRawLongBits(Reductions.sum(values, off, count)),
                    "sum of " + count);
            assertEquals(Double.doubleToRawLongBits(tree(deviations)),
                    Double.doubleToRawLongBits(Reductions.sumOfSquaredDeviations(values, off, count, mean)), "deviations of " + count);
            assertEquals(Double.doubleToRawLongBits(Reductions.sumOfSquaredDeviations(values, off, count, 0.0)),
                    Double.doubleToRawLongBits(Reductions.sumOfSquares(values, off, count)), "squares of " + count);
        }
    }

    private static double tree(double[] s) {
        return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
    }

    @Test
    void nonFiniteValuesAreFoundAndPropagate() {
        float[] values = {1f, 2f, Float.NaN, Float.POSITIVE_INFINITY, 3f};
        assertTrue(Reductions.allFinite(values, 0, 2));
        assertFalse(Reductions.allFinite(values, 0, 3));
        assertEquals(2, Reductions.firstNonFinite(values, 0, 5));
        assertEquals(3, Reductions.firstNonFinite(values, 3, 2));
        assertEquals(-1, Reductions.firstNonFinite(values, 4, 1));
        assertTrue(Double.isNaN(Reductions.sum(values, 0, 5)));
        assertEquals(Double.POSITIVE_INFINITY, Reductions.sumOfSquares(values, 3, 2));
        // 1e30f squared overflows float but not double: the norm stays finite.
        assertEquals(1e30, Reductions.l2Norm(new float[] {1e30f}), 1e30 * 1e-7);
    }

    @Test
    void argmaxRowPicksTheFirstOfEqualMaxima() {
        float[] m = {
            1, 5, 5, 2,
            -3, -1, -2, -1,
            0, 0, 0, 9,
        };
        assertEquals(1, Reductions.argmaxRow(m, 0, 4));
        assertEquals(1, Reductions.argmaxRow(m, 1, 4));
        assertEquals(3, Reductions.argmaxRow(m, 2, 4));
    }
}
