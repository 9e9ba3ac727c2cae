package io.sparkamp.core.train;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver's sum of a step's partials: the bits of merging them one by one in partition order (float
 * addition is not associative, so any other order would change results), the counters added, the sum in
 * the first partial, and partials of another size refused before anything is added.
 */
class GradientPartialSumTest {
    private static final int PARAMETERS = 10_007;

    private static GradientPartial partial(long seed, long rows) {
        SplittableRandom random = new SplittableRandom(seed);
        GradientPartial p = new GradientPartial(PARAMETERS);
        float[] g = p.gradients();
        for (int i = 0; i < g.length; i++) {
            g[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(-6, 6))); // magnitudes that round when added
        }
        p.addBatch(0.5 * rows, (int) rows, rows / 2, 10 * rows, rows);
        p.recordComputeNanos(1000 * rows);
        return p;
    }

    private static List<GradientPartial> partials(int n) {
        List<GradientPartial> list = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            list.add(partial(40 + p, 100 + p));
        }
        return list;
    }

    @Test
    void theSumHasTheBitsOfMergingOneByOneInOrder() {
        for (int n : new int[] {1, 2, 5}) {
            List<GradientPartial> merged = partials(n);
            GradientPartial expected = merged.get(0);
            for (int p = 1; p < n; p++) {
                expected.merge(merged.get(p));
            }
            List<GradientPartial> summed = partials(n);
            GradientPartial total = GradientPartial.sumInOrder(summed);
            assertSame(summed.get(0), total, "summed into the first partial");
            float[] want = expected.gradients();
            float[] got = total.gradients();
            for (int i = 0; i < PARAMETERS; i++) {
                if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) {
                    assertEquals(want[i], got[i], n + " partials, parameter " + i);
                }
            }
            assertEquals(expected.rows(), total.rows());
            assertEquals(expected.lossSum(), total.lossSum());
            assertEquals(expected.correct(), total.correct());
            assertEquals(expected.gradientValuesCast(), total.gradientValuesCast());
            assertEquals(expected.gradientValuesUnderflowed(), total.gradientValuesUnderflowed());
            assertEquals(1000L * (100 + n - 1), total.computeNanos(), "the slowest worker's compute");
        }
    }

    @Test
    void partialsOfAnotherModelAreRefusedBeforeAnythingIsAdded() {
        GradientPartial first = partial(1, 10);
        float[] before = first.gradients().clone();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GradientPartial.sumInOrder(List.of(first, partial(2, 10), new GradientPartial(7))));
        assertTrue(e.getMessage().contains("7 parameters"), e.getMessage());
        for (int i = 0; i < before.length; i++) {
            if (before[i] != first.gradients()[i]) {
                assertEquals(before[i], first.gradients()[i], "parameter " + i + " changed");
            }
        }
        assertEquals(10, first.rows());
    }
}
