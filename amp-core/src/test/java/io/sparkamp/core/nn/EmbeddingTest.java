package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EmbeddingTest {
    private static final int VOCAB = 6;
    private static final int DIM = 3;
    private static final int TOKENS = 4;

    @Test
    void gathersRowsAndScatterAddsGradientsLikeCentralDifferences() {
        EmbeddingSpec spec = new EmbeddingSpec(VOCAB, DIM);
        float[] table = GradCheck.uniform(new SplittableRandom(1), VOCAB * DIM, -1, 1);
        float[] ids = {0, 5, 2, 5, 3, 3, 3, 1}; // two rows; repeated ids must accumulate
        int rows = 2;
        Layer layer = spec.bind(TOKENS, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, table, true, 1);
        float[] y = layer.forward(ctx, ids, rows);
        assertEquals(rows * TOKENS * DIM, y.length);
        for (int i = 0; i < ids.length; i++) {
            for (int d = 0; d < DIM; d++) {
                assertEquals(table[(int) ids[i] * DIM + d], y[i * DIM + d], 0f);
            }
        }
        float[] r = GradCheck.uniform(new SplittableRandom(2), y.length, -1, 1);
        float[] grads = new float[table.length];
        assertNull(layer.backward(ctx, r, rows, grads, false));
        double[] rd = GradCheck.toDouble(r);
        double[] numeric = GradCheck.numericGradient(t -> {
            double s = 0;
            for (int i = 0; i < ids.length; i++) {
                for (int d = 0; d < DIM; d++) {
                    s += rd[i * DIM + d] * t[(int) ids[i] * DIM + d];
                }
            }
            return s;
        }, GradCheck.toDouble(table));
        GradCheck.assertGradientsMatch("table gradient", numeric, grads, 0);
        assertEquals(0f, grads[4 * DIM], "an unused id gets no gradient");
    }

    @Test
    void invalidIdsNameRowPositionAndValue() {
        Layer layer = new EmbeddingSpec(VOCAB, DIM).bind(2, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, new float[VOCAB * DIM], true, 1);
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class, () -> layer.forward(ctx, new float[] {0, 1, 2, 6}, 2));
        assertTrue(big.getMessage().contains("row 1, position 1") && big.getMessage().contains("6.0"), big.getMessage());
        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class, () -> layer.forward(ctx, new float[] {1.5f, 1}, 1));
        assertTrue(fraction.getMessage().contains("row 0, position 0") && fraction.getMessage().contains("1.5"), fraction.getMessage());
        assertThrows(IllegalArgumentException.class, () -> layer.forward(ctx, new float[] {-1, 1}, 1));
        assertThrows(IllegalArgumentException.class, () -> layer.forward(ctx, new float[] {Float.NaN, 1}, 1));
        layer.forward(ctx, new float[] {0, 1}, 1);
        assertThrows(IllegalArgumentException.class, () -> layer.backward(ctx, new float[2 * DIM], 1, new float[VOCAB * DIM], true),
                "token ids have no gradient");
    }

    @Test
    void initialisationIsDeterministicNormalWithStdOneOverSqrtDim() {
        EmbeddingSpec spec = new EmbeddingSpec(1000, 16);
        float[] a = new float[16_000];
        float[] b = new float[16_000];
        spec.initialize(1, a, 0, new SplittableRandom(3));
        spec.initialize(1, b, 0, new SplittableRandom(3));
        assertArrayEquals(a, b);
        double sum = 0;
        double squares = 0;
        for (float v : a) {
            sum += v;
            squares += v * (double) v;
        }
        double mean = sum / a.length;
        double variance = squares / a.length - mean * mean;
        // 16,000 draws: the mean's standard error is 0.25 / sqrt(16000) ~ 0.002, the variance's ~1.1%.
        assertEquals(0.0, mean, 0.01);
        assertEquals(1.0 / 16, variance, 0.06 / 16);
    }

    @Test
    void mixedRunGathersTheRoundedWorkingWeights() {
        float[] table = GradCheck.uniform(new SplittableRandom(4), VOCAB * DIM, -1, 1);
        ComputeContext ctx = GradCheck.context(Precision.BF16, table, false, 1);
        float[] y = new EmbeddingSpec(VOCAB, DIM).bind(1, 0).forward(ctx, new float[] {2}, 1);
        for (int d = 0; d < DIM; d++) {
            assertEquals(ctx.weights().values()[2 * DIM + d], y[d], 0f);
        }
    }
}
