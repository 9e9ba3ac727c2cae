package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DropoutTest {
    private static final float[] NO_PARAMS = new float[0];

    private static float[] forward(double p, Precision precision, boolean training, long seed, float[] x, int rows, int size) {
        return new DropoutSpec(p).bind(size, 0).forward(GradCheck.context(precision, NO_PARAMS, training, seed), x, rows);
    }

    @Test
    void sameSeedGivesSameMaskAndOtherSeedADifferentOne() {
        float[] x = GradCheck.awayFromZero(new SplittableRandom(1), 400, 0.5, 1);
        assertArrayEquals(forward(0.3, Precision.FP32, true, 42, x, 20, 20), forward(0.3, Precision.FP32, true, 42, x, 20, 20));
        assertFalse(java.util.Arrays.equals(forward(0.3, Precision.FP32, true, 42, x, 20, 20), forward(0.3, Precision.FP32, true, 43, x, 20, 20)));
    }

    /**
     * The mask is the run stream's draws in order, value {@code i} kept where the {@code i}-th {@code nextDouble()}
     * is at least P: checked against a second stream of the same seed, over two forwards (the second continues the
     * stream), with a last mask word only partly used, and at P = 0.5, whose threshold is 2^52 exactly.
     */
    @Test
    void theMaskIsTheStreamsNextDoubleDrawsInOrder() {
        for (double p : new double[] {0.2, 0.5, 0.0}) {
            Layer layer = new DropoutSpec(p).bind(45, 0);
            ComputeContext ctx = GradCheck.context(Precision.FP32, NO_PARAMS, true, 19);
            SplittableRandom reference = new SplittableRandom(19);
            for (int rows : new int[] {7, 3}) {
                float[] x = new float[rows * 45];
                java.util.Arrays.fill(x, 1f);
                layer.forward(ctx, x, rows);
                for (int i = 0; i < x.length; i++) {
                    assertEquals(reference.nextDouble() >= p, ((DropoutLayer) layer).wasKept(i),
                            "P " + p + ", " + rows + " rows, value " + i);
                }
                assertEquals(8L * ((rows * 45 + 63) / 64), ((DropoutLayer) layer).savedActivationBytes(), "the mask's bytes");
            }
        }
    }

    @Test
    void evaluationIsTheIdentity() {
        float[] x = GradCheck.uniform(new SplittableRandom(2), 60, -1, 1);
        Layer layer = new DropoutSpec(0.5).bind(6, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP16, NO_PARAMS, false, 3);
        assertArrayEquals(x, layer.forward(ctx, x, 10));
        float[] g = GradCheck.uniform(new SplittableRandom(3), 60, -1, 1);
        assertArrayEquals(g, layer.backward(ctx, g, 10, NO_PARAMS, true));
    }

    /**
     * 100,000 draws at P = 0.3: the kept count is Binomial(n, 0.7), standard deviation sqrt(n * 0.21) ~ 145;
     * five deviations (~725) is the tolerance. Kept values are scaled by exactly 1 / (1 - P).
     */
    @Test
    void keepsTheExpectedFractionAndScalesKeptValues() {
        int n = 100_000;
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        float[] y = forward(0.3, Precision.FP32, true, 7, x, 1000, 100);
        int kept = 0;
        float scale = (float) (1.0 / 0.7);
        for (float v : y) {
            if (v != 0f) {
                kept++;
                assertEquals(scale, v, 0f);
            }
        }
        assertEquals(0.7 * n, kept, 5 * Math.sqrt(n * 0.21));
    }

    @Test
    void gradientMatchesCentralDifferencesThroughTheSameMask() {
        int rows = 4;
        int size = 5;
        float[] x = GradCheck.awayFromZero(new SplittableRandom(4), rows * size, 0.1, 2);
        Layer layer = new DropoutSpec(0.4).bind(size, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, NO_PARAMS, true, 11);
        float[] y = layer.forward(ctx, x, rows);
        boolean[] keep = new boolean[x.length];
        int dropped = 0;
        for (int i = 0; i < x.length; i++) {
            keep[i] = ((DropoutLayer) layer).wasKept(i);
            assertEquals(keep[i], y[i] != 0f, "mask and output agree at " + i);
            dropped += keep[i] ? 0 : 1;
        }
        assertTrue(dropped > 0 && dropped < x.length, "the test needs both kept and dropped values");
        float[] r = GradCheck.uniform(new SplittableRandom(5), x.length, -1, 1);
        float[] gradInput = layer.backward(ctx, r, rows, NO_PARAMS, true);
        double[] rd = GradCheck.toDouble(r);
        double[] numeric = GradCheck.numericGradient(xs -> {
            double s = 0;
            for (int i = 0; i < xs.length; i++) {
                s += keep[i] ? rd[i] * xs[i] / (1 - 0.4) : 0;
            }
            return s;
        }, GradCheck.toDouble(x));
        GradCheck.assertGradientsMatch("dropout dX", numeric, gradInput, 0);
    }

    @Test
    void keptValuesAreRoundedInFp16() {
        float[] x = {1f + 0x1p-12f};
        float[] y = forward(0.0, Precision.FP16, true, 1, x, 1, 1);
        assertEquals(Fp16.round(x[0]), y[0], 0f);
    }

    @Test
    void probabilityIsValidated() {
        assertThrows(IllegalArgumentException.class, () -> new DropoutSpec(1.0));
        assertThrows(IllegalArgumentException.class, () -> new DropoutSpec(-0.1));
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class, () -> new DropoutSpec(Double.NaN));
        assertTrue(nan.getMessage().contains("[0, 1)"), nan.getMessage());
    }
}
