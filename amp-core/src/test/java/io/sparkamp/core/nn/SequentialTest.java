package io.sparkamp.core.nn;

import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SequentialTest {
    private static final int ROWS = 3;

    /** Loss of "input 5 | linear 6 | gelu | layernorm | linear 4 | tanh | linear 3" + softmax_ce in FP64. */
    private static double referenceLoss(ModelSpec spec, double[] p, double[] x, double[] targets) {
        ParameterLayout layout = spec.layout();
        double[] h = Fp64Reference.linear(x, ROWS, 5, 6, view(p, layout, "0.linear.weight"), view(p, layout, "0.linear.bias"));
        h = Fp64Reference.gelu(h);
        h = Fp64Reference.layerNorm(h, ROWS, 6, view(p, layout, "2.layernorm.gamma"), view(p, layout, "2.layernorm.beta"));
        h = Fp64Reference.linear(h, ROWS, 6, 4, view(p, layout, "3.linear.weight"), view(p, layout, "3.linear.bias"));
        h = Fp64Reference.tanh(h);
        h = Fp64Reference.linear(h, ROWS, 4, 3, view(p, layout, "5.linear.weight"), view(p, layout, "5.linear.bias"));
        return Fp64Reference.softmaxCe(h, targets, ROWS, 3);
    }

    private static double[] view(double[] p, ParameterLayout layout, String name) {
        ParamView v = layout.view(name);
        return GradCheck.slice(p, v.offset(), v.size());
    }

    @Test
    void parameterGradientsMatchCentralDifferencesOfTheWholeModel() {
        ModelSpec spec = ModelSpec.parse("input 5 | linear 6 | gelu | layernorm | linear 4 | tanh | linear 3");
        float[] master = spec.initialize(17);
        // Non-trivial gamma/beta and biases, so their gradients are exercised away from the initial values.
        SplittableRandom random = new SplittableRandom(18);
        for (int i = 0; i < master.length; i++) {
            master[i] += (float) random.nextDouble(-0.2, 0.2);
        }
        float[] x = GradCheck.uniform(random, ROWS * 5, -2, 2);
        float[] targets = {2, 0, 1};
        Loss loss = Losses.byName("softmax_ce");
        float factor = 0.5f;

        Sequential model = spec.instantiate();
        ComputeContext ctx = GradCheck.context(Precision.FP32, master, true, 1);
        float[] output = model.forward(ctx, x, ROWS);
        float[] gradOutput = new float[output.length];
        double sum = loss.sumAndGradient(output, targets, ROWS, 3, factor, gradOutput);
        float[] paramGrads = new float[master.length];
        model.backward(ctx, gradOutput, ROWS, paramGrads);

        double[] xd = GradCheck.toDouble(x);
        double[] td = GradCheck.toDouble(targets);
        double[] pd = GradCheck.toDouble(master);
        assertEquals(referenceLoss(spec, pd, xd, td), sum, 1e-5 * Math.abs(sum));
        double[] numeric = GradCheck.numericGradient(p -> factor * referenceLoss(spec, p, xd, td), pd);
        GradCheck.assertGradientsMatch("model parameter gradient", numeric, paramGrads, 0);
    }

    @Test
    void embeddingModelGradientsMatchCentralDifferences() {
        ModelSpec spec = ModelSpec.parse("input 3 | embedding 7 2 | linear 2");
        float[] master = spec.initialize(5);
        float[] ids = {1, 6, 1, 0, 3, 3};
        int rows = 2;
        float[] targets = GradCheck.uniform(new SplittableRandom(6), rows * 2, -1, 1);
        Loss mse = Losses.byName("mse");
        Sequential model = spec.instantiate();
        ComputeContext ctx = GradCheck.context(Precision.FP32, master, true, 1);
        float[] out = model.forward(ctx, ids, rows);
        float[] g = new float[out.length];
        mse.sumAndGradient(out, targets, rows, 2, 1f, g);
        float[] paramGrads = new float[master.length];
        model.backward(ctx, g, rows, paramGrads);

        ParameterLayout layout = spec.layout();
        double[] td = GradCheck.toDouble(targets);
        double[] numeric = GradCheck.numericGradient(p -> {
            double[] table = view(p, layout, "0.embedding.table");
            double[] h = new double[rows * 6];
            for (int i = 0; i < ids.length; i++) {
                h[2 * i] = table[(int) ids[i] * 2];
                h[2 * i + 1] = table[(int) ids[i] * 2 + 1];
            }
            double[] y = Fp64Reference.linear(h, rows, 6, 2, view(p, layout, "1.linear.weight"), view(p, layout, "1.linear.bias"));
            return Fp64Reference.halfSquaredError(y, td);
        }, GradCheck.toDouble(master));
        GradCheck.assertGradientsMatch("embedding model gradient", numeric, paramGrads, 0);
    }

    /**
     * Through three matmuls, a LayerNorm and two activations the rounding errors add up: each stage adds
     * a few u (= eps / 2) relative to its values. Measured: ~0.8 eps of the largest FP32 gradient in
     * both formats; the stated bound is 4 eps. A wrong rule (a missing transpose, a dropped gradient
     * term) gives errors of order 100%.
     */
    @Test
    void mixedGradientsAgreeWithFp32WithinFormatEpsilon() {
        ModelSpec spec = ModelSpec.parse("input 12 | linear 16 | relu | linear 16 | gelu | layernorm | linear 4");
        float[] master = spec.initialize(23);
        int rows = 8;
        SplittableRandom random = new SplittableRandom(24);
        float[] x = GradCheck.uniform(random, rows * 12, -1, 1);
        float[] targets = new float[rows];
        for (int r = 0; r < rows; r++) {
            targets[r] = random.nextInt(4);
        }
        float[] g32 = gradients(spec, master, Precision.FP32, x, targets, rows);
        for (Precision p : new Precision[] {Precision.FP16, Precision.BF16}) {
            double epsilon = p == Precision.FP16 ? 0x1p-10 : 0x1p-7;
            double error = GradCheck.relativeMaxError(gradients(spec, master, p, x, targets, rows), g32);
            assertTrue(error > 0 && error <= 4 * epsilon, p + " relative gradient error " + error + " vs bound " + 4 * epsilon);
        }
    }

    private static float[] gradients(ModelSpec spec, float[] master, Precision precision, float[] x, float[] targets, int rows) {
        Sequential model = spec.instantiate();
        ComputeContext ctx = GradCheck.context(precision, master, true, 1);
        float[] out = model.forward(ctx, x, rows);
        float[] g = new float[out.length];
        Losses.byName("softmax_ce").sumAndGradient(out, targets, rows, spec.outputSize(), 1f / rows, g);
        float[] paramGrads = new float[master.length];
        model.backward(ctx, g, rows, paramGrads);
        return paramGrads;
    }

    @Test
    void sameSeedSameDataGivesBitIdenticalGradients() {
        ModelSpec spec = ModelSpec.parse("input 6 | linear 8 | relu | dropout 0.3 | linear 2");
        float[] master = spec.initialize(1);
        float[] x = GradCheck.uniform(new SplittableRandom(2), 4 * 6, -1, 1);
        float[] targets = {0, 1, 1, 0};
        assertArrayEquals(gradients(spec, master, Precision.FP16, x, targets, 4), gradients(spec, master, Precision.FP16, x, targets, 4));
    }

    @Test
    void errorsNameTheLayerIndexAndSpec() {
        ModelSpec spec = ModelSpec.parse("input 2 | embedding 10 4 | linear 3");
        Sequential model = spec.instantiate();
        ComputeContext ctx = GradCheck.context(Precision.FP32, spec.initialize(1), true, 1);
        IllegalArgumentException id = assertThrows(IllegalArgumentException.class, () -> model.forward(ctx, new float[] {1, 2, 3, 12}, 2));
        assertTrue(id.getMessage().startsWith("layer 0 'embedding 10 4': ") && id.getMessage().contains("row 1, position 1")
                && id.getMessage().contains("12.0"), id.getMessage());

        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> model.forward(GradCheck.context(Precision.FP32, new float[5], true, 1), new float[] {1, 2}, 1));
        assertTrue(weights.getMessage().contains("5"), weights.getMessage());

        model.forward(ctx, new float[] {1, 2}, 1);
        IllegalArgumentException shortGrad = assertThrows(IllegalArgumentException.class,
                () -> model.backward(ctx, new float[2], 1, new float[spec.parameterCount()]));
        assertTrue(shortGrad.getMessage().startsWith("layer 1 'linear 3': "), shortGrad.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.backward(ctx, new float[3], 1, new float[1]));
    }
}
