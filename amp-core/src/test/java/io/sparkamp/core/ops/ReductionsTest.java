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
