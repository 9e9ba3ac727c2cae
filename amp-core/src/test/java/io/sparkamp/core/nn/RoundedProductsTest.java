package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmKernel;
import io.sparkamp.core.ops.JavaGemmKernel;
import io.sparkamp.core.tensor.Matrix;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A kernel that hands 16-bit products back as codes (as oneDNN does where it multiplies BF16) changes no bit
 * of a model's output or gradients: the Linear layers then get their input gradients as codes and mask them in
 * place, their bias pass writes codes, and the ReLU between two of them keeps no bits (the layer after it masks
 * by its saved input). Checked on every machine with the Java kernel, with and without the rounding.
 */
class RoundedProductsTest {
    @Test
    void aKernelThatRoundsProductsGivesTheSameOutputsAndGradients() {
        ModelSpec spec = ModelSpec.parse("mlp 24-20-16-5 relu");
        float[] master = spec.initialize(3);
        int rows = 37;
        SplittableRandom random = new SplittableRandom(4);
        float[] x = GradCheck.uniform(random, rows * 24, -2, 2);
        float[] targets = new float[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = random.nextInt(5);
        }
        Loss loss = Losses.byName("softmax_ce");
        for (Precision precision : new Precision[] {Precision.BF16, Precision.FP16}) {
            float[][] plain = run(spec, master, x, targets, rows, loss, precision, new JavaGemmKernel());
            float[][] rounded = run(spec, master, x, targets, rows, loss, precision, new RoundingJavaKernel());
            assertSameBits(precision + " output", plain[0], rounded[0]);
            assertSameBits(precision + " parameter gradients", plain[1], rounded[1]);
        }
    }

    @Test
    void theReluBetweenTwoRoundingLinearLayersKeepsNoBits() {
        ModelSpec spec = ModelSpec.parse("mlp 24-20-5 relu");
        Sequential model = spec.instantiate();
        float[] master = spec.initialize(3);
        int rows = 64;
        float[] x = GradCheck.uniform(new SplittableRandom(5), rows * 24, -2, 2);
        model.forward(context(master, Precision.BF16, new JavaGemmKernel()), x, rows);
        ReluLayer relu = (ReluLayer) model.layers().get(1);
        long withBits = relu.savedActivationBytes();
        model.forward(context(master, Precision.BF16, new RoundingJavaKernel()), x, rows);
        assertEquals(rows * 20 / 8, withBits, "with FP32 products the ReLU keeps 20 bits per row");
        assertEquals(0, relu.savedActivationBytes(), "with 16-bit products the ReLU keeps no bits");
    }

    private static float[][] run(ModelSpec spec, float[] master, float[] x, float[] targets, int rows, Loss loss,
                                 Precision precision, GemmKernel kernel) {
        Sequential model = spec.instantiate();
        ComputeContext ctx = context(master, precision, kernel);
        float[] output = model.forward(ctx, x, rows);
        float[] gradOutput = new float[output.length];
        loss.sumAndGradient(output, targets, rows, 5, 1024f, gradOutput);
        float[] paramGrads = new float[master.length];
        model.backward(ctx, gradOutput, rows, paramGrads);
        return new float[][] {output, paramGrads};
    }

    private static ComputeContext context(float[] master, Precision precision, GemmKernel kernel) {
        return new ComputeContext(AutocastPolicy.forPrecision(precision), new Gemm(kernel), WorkingWeights.cast(master, precision),
                true, new SplittableRandom(1));
    }

    private static void assertSameBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + " [" + i + "]: " + expected[i] + " without rounded products, " + actual[i] + " with");
            }
        }
    }
}
