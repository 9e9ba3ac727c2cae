package io.sparkamp.core.optim;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GradientClippingTest {

    private static float[] randomGrads(int n, double sigma) {
        Random random = new Random(11);
        float[] g = new float[n];
        for (int i = 0; i < n; i++) {
            g[i] = (float) (random.nextGaussian() * sigma);
        }
        return g;
    }

    /** Independent of Reductions: hypot over the values. */
    private static double norm(float[] g) {
        double n = 0;
        for (float v : g) {
            n = Math.hypot(n, v);
        }
        return n;
    }

    @Test
    void globalNormOfAKnownVector() {
        assertEquals(13.0, GradientClipping.globalNorm(new float[] {3f, 4f, 12f}), 0.0);
    }

    @Test
    void clipsAboveTheThresholdToMaxNorm() {
        float[] g = randomGrads(1023, 2.0);
        double before = norm(g);
        assertTrue(before > 50, "test vector too small: " + before);
        double returned = GradientClipping.clipByGlobalNorm(g, 5.0);
        assertEquals(before, returned, 1e-9 * before, "returns the norm before clipping");
        assertEquals(5.0, norm(g), 5.0 * 1e-6, "clipped norm");
    }

    @Test
    void clippingKeepsTheDirection() {
        float[] g = {3f, -4f};
        GradientClipping.clipByGlobalNorm(g, 1.0);
        assertEquals(0.6f, g[0], 1e-6f);
        assertEquals(-0.8f, g[1], 1e-6f);
    }

    @Test
    void belowOrAtTheThresholdNothingChanges() {
        float[] g = randomGrads(7, 0.1);
        float[] before = g.clone();
        double n = norm(g);
        assertEquals(n, GradientClipping.clipByGlobalNorm(g, n * 1.5), 1e-12);
        assertArrayEquals(before, g);
        GradientClipping.clipByGlobalNorm(g, GradientClipping.globalNorm(g));
        assertArrayEquals(before, g, "norm == maxNorm is not clipped");
        GradientClipping.clipByGlobalNorm(g, Double.POSITIVE_INFINITY);
        assertArrayEquals(before, g);
    }

    @Test
    void rejectsBadMaxNormAndNonFiniteGradients() {
        for (double bad : new double[] {0.0, -1.0, Double.NaN}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> GradientClipping.clipByGlobalNorm(new float[] {1f}, bad));
            assertEquals("clip max-norm must be > 0, got " + bad, e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipByGlobalNorm(new float[] {1f, Float.NaN}, 1.0));
        assertTrue(e.getMessage().contains("gradient 1 is NaN"), e.getMessage());
    }

    @Test
    void clippingToAGivenNormIsClippingByTheComputedOne() {
        float[] computed = randomGrads(1023, 2.0);
        float[] given = computed.clone();
        double norm = GradientClipping.clipByGlobalNorm(computed, 5.0);
        GradientClipping.clipToNorm(given, norm, 5.0);
        assertArrayEquals(computed, given);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientClipping.clipToNorm(new float[] {1f, Float.POSITIVE_INFINITY}, Double.POSITIVE_INFINITY, 1.0));
        assertTrue(e.getMessage().contains("gradient 1 is Infinity"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipToNorm(new float[] {1f}, Double.NaN, 1.0));
        assertTrue(e.getMessage().contains("the norm given is NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GradientClipping.clipToNorm(new float[] {1f}, 1.0, 0.0));
        assertEquals("clip max-norm must be > 0, got 0.0", e.getMessage());
    }
}
