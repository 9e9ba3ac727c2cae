package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearTest {
    private static final int ROWS = 4;
    private static final int IN = 7;
    private static final int OUT = 5;

    private final SplittableRandom random = new SplittableRandom(11);
    private final float[] master = GradCheck.uniform(random, IN * OUT + OUT, -1, 1);
    private final float[] input = GradCheck.uniform(random, ROWS * IN, -2, 2);
    private final float[] gradOutput = GradCheck.uniform(random, ROWS * OUT, -1, 1);

    @Test
    void forwardMatchesFp64Reference() {
        Layer layer = new LinearSpec(OUT).bind(IN, 0);
        float[] y = layer.forward(GradCheck.context(Precision.FP32, master, true, 1), input, ROWS);
        double[] p = GradCheck.toDouble(master);
        double[] expected = Fp64Reference.linear(GradCheck.toDouble(input), ROWS, IN, OUT,
                GradCheck.slice(p, 0, IN * OUT), GradCheck.slice(p, IN * OUT, OUT));
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], y[i], 1e-5 * (1 + Math.abs(expected[i])), "output " + i);
        }
    }

    @Test
    void fp32GradientsMatchCentralDifferences() {
        Layer layer = new LinearSpec(OUT).bind(IN, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, master, true, 1);
        layer.forward(ctx, input, ROWS);
        float[] paramGrads = new float[master.length];
        float[] gradInput = layer.backward(ctx, gradOutput, ROWS, paramGrads, true);

        double[] x = GradCheck.toDouble(input);
        double[] p = GradCheck.toDouble(master);
        double[] r = GradCheck.toDouble(gradOutput);
        double[] numericX = GradCheck.numericGradient(xs -> Fp64Reference.dot(r, Fp64Reference.linear(xs, ROWS, IN, OUT,
                GradCheck.slice(p, 0, IN * OUT), GradCheck.slice(p, IN * OUT, OUT))), x);
        double[] numericP = GradCheck.numericGradient(ps -> Fp64Reference.dot(r, Fp64Reference.linear(x, ROWS, IN, OUT,
                GradCheck.slice(ps, 0, IN * OUT), GradCheck.slice(ps, IN * OUT, OUT))), p);
        GradCheck.assertGradientsMatch("dX", numericX, gradInput, 0);
        GradCheck.assertGradientsMatch("dW and db", numericP, paramGrads, 0);
    }

    @Test
    void parameterGradientsAreAddedToWhatTheBufferHolds() {
        Layer layer = new LinearSpec(OUT).bind(IN, 3);
        float[] shifted = new float[master.length + 3];
        System.arraycopy(master, 0, shifted, 3, master.length);
        ComputeContext ctx = GradCheck.context(Precision.FP32, shifted, true, 1);
        layer.forward(ctx, input, ROWS);
        float[] fresh = new float[shifted.length];
        layer.backward(ctx, gradOutput, ROWS, fresh, false);
        float[] prefilled = new float[shifted.length];
        java.util.Arrays.fill(prefilled, 0.25f);
        layer.forward(ctx, input, ROWS);
        layer.backward(ctx, gradOutput, ROWS, prefilled, false);
        for (int i = 0; i < 3; i++) {
            assertEquals(0.25f, prefilled[i], "values before the layer's offset stay untouched");
        }
        for (int i = 3; i < shifted.length; i++) {
            assertEquals(fresh[i] + 0.25f, prefilled[i], 1e-5, "gradient " + i);
        }
    }

    @Test
    void noInputGradientWhenNotNeeded() {
        Layer layer = new LinearSpec(OUT).bind(IN, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP16, master, true, 1);
        layer.forward(ctx, input, ROWS);
        assertNull(layer.backward(ctx, gradOutput, ROWS, new float[master.length], false));
    }

    /**
     * Mixed runs round inputs, weights, outputs and gradients to the format (unit round-off u = eps / 2)
     * and accumulate in FP32. Every gradient entry is a sum of at most 7 products of two rounded values,
     * plus (for dX) one final rounding, so its error is a few u of the sum of |terms|. Measured: ~0.3 eps
     * of the largest gradient in both formats; the bound is 2 eps. A real mistake (a transposed operand,
     * a missing term) is off by O(1).
     */
    @Test
    void mixedGradientsAgreeWithFp32WithinFormatEpsilon() {
        float[][] fp32 = gradients(Precision.FP32);
        assertMixedAgrees(Precision.FP16, 0x1p-10, fp32);
        assertMixedAgrees(Precision.BF16, 0x1p-7, fp32);
    }

    private void assertMixedAgrees(Precision precision, double epsilon, float[][] fp32) {
        float[][] mixed = gradients(precision);
        double inputError = GradCheck.relativeMaxError(mixed[0], fp32[0]);
        double paramError = GradCheck.relativeMaxError(mixed[1], fp32[1]);
        assertTrue(inputError <= 2 * epsilon, precision + " dX error " + inputError);
        assertTrue(paramError <= 2 * epsilon, precision + " dW/db error " + paramError);
        assertTrue(inputError > 0 || paramError > 0, precision + " run must actually round something");
    }

    private float[][] gradients(Precision precision) {
        Layer layer = new LinearSpec(OUT).bind(IN, 0);
        ComputeContext ctx = GradCheck.context(precision, master, true, 1);
        layer.forward(ctx, input, ROWS);
        float[] paramGrads = new float[master.length];
        float[] gradInput = layer.backward(ctx, gradOutput, ROWS, paramGrads, true);
        return new float[][] {gradInput, paramGrads};
    }

    @Test
    void badInputsAreRejectedWithReadableMessages() {
        Layer layer = new LinearSpec(OUT).bind(IN, 0);
        ComputeContext ctx = GradCheck.context(Precision.FP32, master, true, 1);
        IllegalArgumentException shortInput = assertThrows(IllegalArgumentException.class,
                () -> layer.forward(ctx, new float[IN * ROWS - 1], ROWS));
        assertTrue(shortInput.getMessage().contains("linear 5") && shortInput.getMessage().contains("27 values"), shortInput.getMessage());
        assertThrows(IllegalStateException.class, () -> new LinearSpec(OUT).bind(IN, 0)
                .backward(ctx, gradOutput, ROWS, new float[master.length], true));
        layer.forward(ctx, input, ROWS);
        IllegalArgumentException rows = assertThrows(IllegalArgumentException.class,
                () -> layer.backward(ctx, gradOutput, ROWS - 1, new float[master.length], true));
        assertTrue(rows.getMessage().contains("last forward had 4"), rows.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new LinearSpec(0));
        assertThrows(IllegalArgumentException.class, () -> new LinearSpec(3).outputSize(0));
    }

    @Test
    void initialisationIsHeUniformAndDeterministic() {
        LinearSpec spec = new LinearSpec(300);
        int in = 200;
        float[] a = new float[in * 300 + 300];
        float[] b = new float[a.length];
        spec.initialize(in, a, 0, new SplittableRandom(5));
        spec.initialize(in, b, 0, new SplittableRandom(5));
        assertTrue(java.util.Arrays.equals(a, b), "same seed, same weights");
        double bound = Math.sqrt(6.0 / in);
        double sumSquares = 0;
        for (int i = 0; i < in * 300; i++) {
            assertTrue(Math.abs(a[i]) <= bound, "weight " + i + " = " + a[i] + " beyond the He bound " + bound);
            sumSquares += a[i] * (double) a[i];
        }
        double variance = sumSquares / (in * 300);
        // Uniform(-b, b) has variance b^2 / 3 = 2 / in; 60,000 draws put the estimate within ~1%.
        assertEquals(2.0 / in, variance, 0.05 * 2.0 / in);
        for (int j = 0; j < 300; j++) {
            assertEquals(0f, a[in * 300 + j], "bias starts at zero");
        }
    }
}
