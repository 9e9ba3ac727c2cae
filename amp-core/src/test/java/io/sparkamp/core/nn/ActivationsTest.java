package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ActivationsTest {
    private static final int ROWS = 3;
    private static final int SIZE = 6;
    private static final float[] NO_PARAMS = new float[0];

    @Test
    void reluMatchesCentralDifferences() {
        // Inputs at least 0.05 away from the kink, so x +- h never crosses it.
        check(new ReluSpec(), Fp64Reference::relu, GradCheck.awayFromZero(new SplittableRandom(1), ROWS * SIZE, 0.05, 3));
    }

    @Test
    void geluMatchesCentralDifferences() {
        check(new SmoothActivationSpec(SmoothActivation.GELU), Fp64Reference::gelu, GradCheck.uniform(new SplittableRandom(2), ROWS * SIZE, -4, 4));
    }

    @Test
    void tanhMatchesCentralDifferences() {
        check(new SmoothActivationSpec(SmoothActivation.TANH), Fp64Reference::tanh, GradCheck.uniform(new SplittableRandom(3), ROWS * SIZE, -3, 3));
    }

    @Test
    void sigmoidMatchesCentralDifferences() {
        check(new SmoothActivationSpec(SmoothActivation.SIGMOID), Fp64Reference::sigmoid, GradCheck.uniform(new SplittableRandom(4), ROWS * SIZE, -6, 6));
    }

    private static void check(LayerSpec spec, UnaryOperator<double[]> reference, float[] input) {
        Layer layer = spec.bind(SIZE, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, NO_PARAMS, true, 1);
        float[] y = layer.forward(ctx, input, ROWS);
        double[] expected = reference.apply(GradCheck.toDouble(input));
        for (int i = 0; i < y.length; i++) {
            assertEquals(expected[i], y[i], 1e-6 * (1 + Math.abs(expected[i])), spec.toSpec() + " output " + i);
        }
        float[] gradOutput = GradCheck.uniform(new SplittableRandom(9), ROWS * SIZE, -1, 1);
        float[] gradInput = layer.backward(ctx, gradOutput, ROWS, NO_PARAMS, true);
        double[] r = GradCheck.toDouble(gradOutput);
        double[] numeric = GradCheck.numericGradient(x -> Fp64Reference.dot(r, reference.apply(x)), GradCheck.toDouble(input));
        GradCheck.assertGradientsMatch(spec.toSpec() + " dX", numeric, gradInput, 0);
        assertNull(layer.backward(ctx, gradOutput, ROWS, NO_PARAMS, false));
    }

    @Test
    void sigmoidDoesNotOverflowForLargeInputs() {
        Layer layer = new SmoothActivationSpec(SmoothActivation.SIGMOID).bind(2, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, NO_PARAMS, true, 1);
        float[] y = layer.forward(ctx, new float[] {-1000f, 1000f}, 1);
        assertEquals(0f, y[0]);
        assertEquals(1f, y[1]);
        float[] g = layer.backward(ctx, new float[] {1f, 1f}, 1, NO_PARAMS, true);
        assertEquals(0f, g[0]);
        assertEquals(0f, g[1]);
    }

    /** The smooth activations keep their arrays across micro-batches: the bits of a new layer, every precision. */
    @Test
    void aSmoothActivationThatRanOtherBatchesGivesTheBitsOfANewOne() {
        for (SmoothActivation function : SmoothActivation.values()) {
            GradCheck.assertReusedLayerGivesNewLayersBits(() -> new SmoothActivationSpec(function).bind(7, 0), NO_PARAMS, 7,
                    5, 5, 2, 5, 3, 3);
        }
    }

    /** ReLU is pointwise: low precision in a mixed run, so its output is an FP16 value. */
    @Test
    void reluOutputIsRoundedInFp16AndExponentialOpsAreNot() {
        float x = 1f + 0x1p-12f;
        float[] relu = new ReluSpec().bind(1, 0).forward(GradCheck.context(Precision.FP16, NO_PARAMS, true, 1), new float[] {x}, 1);
        assertEquals(Fp16.round(x), relu[0], 0f);
        float[] tanh = new SmoothActivationSpec(SmoothActivation.TANH).bind(1, 0)
                .forward(GradCheck.context(Precision.FP16, NO_PARAMS, true, 1), new float[] {x}, 1);
        assertEquals((float) StrictMath.tanh(x), tanh[0], 0f, "EXPONENTIAL ops compute and return FP32");
    }

    @Test
    void mixedActivationGradientsAgreeWithFp32() {
        float[] input = GradCheck.uniform(new SplittableRandom(5), ROWS * SIZE, -3, 3);
        float[] gradOutput = GradCheck.uniform(new SplittableRandom(6), ROWS * SIZE, -1, 1);
        for (SmoothActivation f : SmoothActivation.values()) {
            float[] g32 = gradient(new SmoothActivationSpec(f), Precision.FP32, input, gradOutput);
            // The derivative is evaluated at the saved, rounded input: error ~ u * |x f''(x)|, below 4 eps.
            double e16 = GradCheck.relativeMaxError(gradient(new SmoothActivationSpec(f), Precision.FP16, input, gradOutput), g32);
            double eb16 = GradCheck.relativeMaxError(gradient(new SmoothActivationSpec(f), Precision.BF16, input, gradOutput), g32);
            assertTrue(e16 <= 4 * 0x1p-10 && e16 > 0, f + " fp16 error " + e16);
            assertTrue(eb16 <= 4 * 0x1p-7 && eb16 > 0, f + " bf16 error " + eb16);
        }
    }

    private static float[] gradient(LayerSpec spec, Precision precision, float[] input, float[] gradOutput) {
        Layer layer = spec.bind(SIZE, 0);
        ComputeContext ctx = GradCheck.context(precision, NO_PARAMS, true, 1);
        layer.forward(ctx, input, ROWS);
        return layer.backward(ctx, gradOutput, ROWS, NO_PARAMS, true);
    }
}
