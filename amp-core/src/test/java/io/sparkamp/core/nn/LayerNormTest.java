package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerNormTest {
    private static final int ROWS = 3;
    private static final int D = 5;

    private final SplittableRandom random = new SplittableRandom(21);
    private final float[] params = GradCheck.uniform(random, 2 * D, 0.5, 1.5);
    private final float[] input = GradCheck.uniform(random, ROWS * D, -2, 3);
    private final float[] gradOutput = GradCheck.uniform(random, ROWS * D, -1, 1);

    @Test
    void forwardAndGradientsMatchFp64CentralDifferences() {
        Layer layer = new LayerNormSpec().bind(D, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, params, true, 1);
        float[] y = layer.forward(ctx, input, ROWS);
        double[] p = GradCheck.toDouble(params);
        double[] x = GradCheck.toDouble(input);
        double[] expected = Fp64Reference.layerNorm(x, ROWS, D, GradCheck.slice(p, 0, D), GradCheck.slice(p, D, D));
        for (int i = 0; i < y.length; i++) {
            assertEquals(expected[i], y[i], 1e-5, "output " + i);
        }
        float[] paramGrads = new float[params.length];
        float[] gradInput = layer.backward(ctx, gradOutput, ROWS, paramGrads, true);
        double[] r = GradCheck.toDouble(gradOutput);
        double[] numericX = GradCheck.numericGradient(xs -> Fp64Reference.dot(r,
                Fp64Reference.layerNorm(xs, ROWS, D, GradCheck.slice(p, 0, D), GradCheck.slice(p, D, D))), x);
        double[] numericP = GradCheck.numericGradient(ps -> Fp64Reference.dot(r,
                Fp64Reference.layerNorm(x, ROWS, D, GradCheck.slice(ps, 0, D), GradCheck.slice(ps, D, D))), p);
        GradCheck.assertGradientsMatch("dX", numericX, gradInput, 0);
        GradCheck.assertGradientsMatch("dgamma and dbeta", numericP, paramGrads, 0);
    }

    /**
     * The saved normalised input is rounded (|xhat| < 2, error u * 2 each) and gamma is rounded; the
     * gradient's error stays within a few u of its scale: 4 eps is the stated bound.
     */
    @Test
    void mixedGradientsAgreeWithFp32() {
        float[][] g32 = gradients(Precision.FP32);
        for (Precision p : new Precision[] {Precision.FP16, Precision.BF16}) {
            double epsilon = p == Precision.FP16 ? 0x1p-10 : 0x1p-7;
            float[][] g = gradients(p);
            double ex = GradCheck.relativeMaxError(g[0], g32[0]);
            double ep = GradCheck.relativeMaxError(g[1], g32[1]);
            assertTrue(ex <= 4 * epsilon, p + " dX error " + ex);
            assertTrue(ep <= 4 * epsilon, p + " dgamma/dbeta error " + ep);
        }
    }

    /**
     * The layer keeps its arrays from one micro-batch to the next: a layer that has already run batches of other
     * sizes and values gives, to the bit, what a new layer gives, in every precision (the saved normalised values
     * kept as codes in mixed runs). Its saved bytes are the last batch's.
     */
    @Test
    void aLayerThatRanOtherBatchesGivesTheBitsOfANewOne() {
        GradCheck.assertReusedLayerGivesNewLayersBits(() -> new LayerNormSpec().bind(D, 0), params, D, 6, 6, 2, 6, 3, 3);
    }

    private float[][] gradients(Precision precision) {
        Layer layer = new LayerNormSpec().bind(D, 0);
        ComputeContext ctx = GradCheck.context(precision, params, true, 1);
        layer.forward(ctx, input, ROWS);
        float[] paramGrads = new float[params.length];
        float[] gradInput = layer.backward(ctx, gradOutput, ROWS, paramGrads, true);
        return new float[][] {gradInput, paramGrads};
    }

    @Test
    void initialisesGammaOneBetaZero() {
        float[] buffer = new float[2 + 2 * D];
        new LayerNormSpec().initialize(D, buffer, 2, new SplittableRandom(1));
        for (int j = 0; j < D; j++) {
            assertEquals(1f, buffer[2 + j]);
            assertEquals(0f, buffer[2 + D + j]);
        }
        assertEquals(0f, buffer[0]);
    }

    @Test
    void constantRowNormalisesToBeta() {
        float[] gammaBeta = {2f, 2f, 0.5f, -0.5f};
        Layer layer = new LayerNormSpec().bind(2, 0);
        float[] y = layer.forward(GradCheck.context(Precision.FP32, gammaBeta, false, 1), new float[] {7f, 7f}, 1);
        assertEquals(0.5f, y[0], 0f);
        assertEquals(-0.5f, y[1], 0f);
    }
}
