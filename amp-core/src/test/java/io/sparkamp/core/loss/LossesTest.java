package io.sparkamp.core.loss;

import io.sparkamp.core.nn.GradCheck;
import io.sparkamp.core.nn.Fp64Reference;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LossesTest {
    private static final int ROWS = 4;
    private static final int K = 5;
    private static final float FACTOR = 0.37f;

    private final SplittableRandom random = new SplittableRandom(31);
    private final float[] output = GradCheck.uniform(random, ROWS * K, -3, 3);

    @Test
    void softmaxCrossEntropyMatchesFp64() {
        float[] targets = {0, 4, 2, 2};
        double[] t = GradCheck.toDouble(targets);
        // The softmax runs in FP32: each row's log-sum-exp is within a few float ulps of the double reference.
        check(Losses.byName("softmax_ce"), targets, z -> Fp64Reference.softmaxCe(z, t, ROWS, K), 1e-6);
    }

    @Test
    void softmaxCrossEntropyOfManyRowsKeepsTheLogOfTheirSumsExact() {
        // 600 rows of 10 equal logits: every row sum is 10, their product 10^600 is far beyond a double.
        int rows = 600;
        float[] z = new float[rows * 10];
        java.util.Arrays.fill(z, 3.25f);
        float[] targets = new float[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = r % 10;
        }
        double sum = Losses.byName("softmax_ce").sum(z, targets, rows, 10);
        assertEquals(rows * Math.log(10), sum, 1e-12 * rows * Math.log(10));
    }

    @Test
    void softmaxCrossEntropyIsStableForLargeLogits() {
        float[] z = {1e4f, 1e4f - 2f, -1e4f, 5e3f, 5e3f, 5e3f};
        float[] grad = new float[6];
        double sum = Losses.byName("softmax_ce").sumAndGradient(z, new float[] {1, 2}, 2, 3, 1f, grad);
        double row0 = 2 + Math.log(1 + Math.exp(-2));
        double row1 = Math.log(3);
        assertEquals(row0 + row1, sum, 1e-6 * (row0 + row1));
        assertEquals(1 / (1 + Math.exp(-2)), grad[0], 1e-7);
        assertEquals(Math.exp(-2) / (1 + Math.exp(-2)) - 1, grad[1], 1e-7);
        assertEquals(0f, grad[2], "e^-20000 underflows to 0, not NaN");
        assertEquals(1.0 / 3 - 1, grad[5], 1e-7);
    }

    @Test
    void binaryCrossEntropyWithLogitsMatchesFp64() {
        float[] targets = GradCheck.uniform(random, ROWS * K, 0, 1);
        targets[0] = 0f;
        targets[1] = 1f;
        double[] t = GradCheck.toDouble(targets);
        check(Losses.byName("bce_logits"), targets, z -> Fp64Reference.bceLogits(z, t), 1e-9);
    }

    @Test
    void meanSquaredErrorIsHalfTheSumOfSquaresPerRow() {
        float[] targets = GradCheck.uniform(random, ROWS * K, -2, 2);
        double[] t = GradCheck.toDouble(targets);
        check(Losses.byName("mse"), targets, y -> Fp64Reference.halfSquaredError(y, t), 1e-9);
    }

    /** The loss sum within {@code relativeTolerance} of the double reference, its gradient against a numeric one. */
    private void check(Loss loss, float[] targets, ToDoubleFunction<double[]> reference, double relativeTolerance) {
        double expected = reference.applyAsDouble(GradCheck.toDouble(output));
        assertEquals(expected, loss.sum(output, targets, ROWS, K), relativeTolerance * Math.abs(expected), loss.name() + " sum");
        float[] grad = new float[ROWS * K];
        double sum = loss.sumAndGradient(output, targets, ROWS, K, FACTOR, grad);
        assertEquals(expected, sum, relativeTolerance * Math.abs(expected), loss.name() + " sum with gradient");
        double[] numeric = GradCheck.numericGradient(z -> FACTOR * reference.applyAsDouble(z), GradCheck.toDouble(output));
        GradCheck.assertGradientsMatch(loss.name() + " d(factor * sum)/d output", numeric, grad, 0);
    }

    @Test
    void bceIsStableForLargeLogits() {
        Loss loss = Losses.byName("bce_logits");
        float[] z = {1000f, -1000f};
        float[] t = {0f, 1f};
        float[] grad = new float[2];
        double sum = loss.sumAndGradient(z, t, 1, 2, 1f, grad);
        assertEquals(2000.0, sum, 1e-9);
        assertEquals(1f, grad[0]);
        assertEquals(-1f, grad[1]);
    }

    @Test
    void targetValidationNamesTheRow() {
        Loss ce = Losses.byName("softmax_ce");
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class, () -> ce.validateTargets(new float[] {0, 5}, 2, 5));
        assertTrue(range.getMessage().contains("row 1") && range.getMessage().contains("5.0"), range.getMessage());
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class, () -> ce.validateTargets(new float[] {0.5f}, 1, 5));
        assertTrue(fraction.getMessage().contains("row 0"), fraction.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ce.validateTargets(new float[] {Float.NaN}, 1, 5));

        Loss bce = Losses.byName("bce_logits");
        IllegalArgumentException bceRange = assertThrows(IllegalArgumentException.class,
                () -> bce.validateTargets(new float[] {0, 1, 1.5f, 0}, 2, 2));
        assertTrue(bceRange.getMessage().contains("row 1") && bceRange.getMessage().contains("1.5"), bceRange.getMessage());

        Loss mse = Losses.byName("mse");
        IllegalArgumentException inf = assertThrows(IllegalArgumentException.class,
                () -> mse.validateTargets(new float[] {0, 1, 2, Float.POSITIVE_INFINITY}, 2, 2));
        assertTrue(inf.getMessage().contains("row 1"), inf.getMessage());
        assertThrows(IllegalArgumentException.class, () -> mse.validateTargets(new float[3], 2, 2), "too few targets");
    }

    @Test
    void targetWidths() {
        assertEquals(1, Losses.byName("softmax_ce").targetWidth(10));
        assertEquals(10, Losses.byName("bce_logits").targetWidth(10));
        assertEquals(10, Losses.byName("MSE").targetWidth(10));
    }

    @Test
    void unknownLossListsTheKnownNames() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Losses.byName("hinge"));
        assertTrue(e.getMessage().contains("hinge") && e.getMessage().contains("softmax_ce, bce_logits, mse"), e.getMessage());
    }

    @Test
    void nonFiniteOutputGivesNonFiniteLossSoOverflowIsDetected() {
        float[] z = {Float.POSITIVE_INFINITY, 1f};
        assertTrue(Double.isNaN(Losses.byName("softmax_ce").sum(z, new float[] {1}, 1, 2)));
        // NaN anywhere in a row, first or not, makes the loss and the whole row's gradient NaN.
        for (float[] row : new float[][] {{Float.NaN, 1f, 2f}, {1f, Float.NaN, 2f}, {1f, 2f, Float.NaN}}) {
            float[] grad = new float[3];
            assertTrue(Double.isNaN(Losses.byName("softmax_ce").sumAndGradient(row, new float[] {0}, 1, 3, 1f, grad)));
            for (float g : grad) {
                assertTrue(Float.isNaN(g), java.util.Arrays.toString(grad));
            }
        }
        // A target logit of -inf is an infinite loss, not NaN.
        assertEquals(Double.POSITIVE_INFINITY, Losses.byName("softmax_ce").sum(new float[] {Float.NEGATIVE_INFINITY, 1f}, new float[] {0}, 1, 2));
    }
}
