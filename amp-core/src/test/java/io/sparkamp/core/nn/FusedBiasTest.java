package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmKernel;
import io.sparkamp.core.ops.GemmProviders;
import io.sparkamp.core.ops.JavaGemmKernel;
import io.sparkamp.core.tensor.Matrix;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A kernel that adds the bias and applies the ReLU in its multiply (oneDNN's bias and ReLU post-op) changes no
 * bit of a model's output or gradients, in every precision: the sum is rounded once either way (by the kernel
 * into 16-bit codes, or by the layer where the kernel computes 16-bit inputs in FP32). The Linear
 * layer then writes its output once, and the ReLU after it keeps no bits (the Linear layer after the ReLU masks
 * its input gradient by its saved input, the ReLU's output). Checked on every machine with the Java kernel plus
 * a bias pass, and with oneDNN itself where it loads.
 */
class FusedBiasTest {
    /** The Java kernel rounding 16-bit products, plus the bias, ReLU and rounding of {@link GemmKernel#gemmBias} in a loop after the multiply. */
    private static final class BiasJavaKernel extends RoundingJavaKernel {
        @Override
        public boolean fusesBias(Precision precision) {
            return true;
        }

        @Override
        public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                             Matrix bias, boolean relu, Matrix c) {
            Matrix product = Matrix.onHeap(Precision.FP32, m, n);
            gemm(precision, transA, transB, m, n, k, a, b, product, false);
            addBias(product, bias, relu, c); // rounded to nearest even into c's codes
        }
    }

    /** The Java kernel computing 16-bit inputs held as FP32 values, as "native-fp32" does (no bias in the multiply). */
    private static class WideningJavaKernel extends ForwardingGemmKernel {
        WideningJavaKernel() {
            super(new JavaGemmKernel());
        }

        @Override
        public Precision operandStorage(Precision precision) {
            return Precision.FP32;
        }
    }

    /** {@link WideningJavaKernel} adding the bias and ReLU to the FP32 sum, which the layer then rounds. */
    private static final class WideningBiasJavaKernel extends WideningJavaKernel {
        @Override
        public boolean fusesBias(Precision precision) {
            return true;
        }

        @Override
        public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                             Matrix bias, boolean relu, Matrix c) {
            gemm(precision, transA, transB, m, n, k, a, b, c, false);
            addBias(c, bias, relu, c); // not rounded: the result is held as FP32
        }
    }

    /** {@code c = product + bias} per row, and with {@code relu} max(.., 0) (NaN gives 0), stored as c holds values. */
    private static void addBias(Matrix product, Matrix bias, boolean relu, Matrix c) {
        int n = bias.size();
        for (int i = 0; i < c.size(); i++) {
            float sum = product.get(i) + bias.get(i % n);
            c.set(i, relu ? (sum > 0f ? sum : 0f) : sum);
        }
    }

    private static final String[] MODELS = {
        "mlp 24-20-16-5 relu", // ReLUs between Linear layers: no bits kept
        "input 24 | linear 20 | relu | dropout 0.25 | linear 5", // a ReLU whose mask the next layer cannot apply: bits kept
        "input 24 | linear 20 | relu", // a ReLU last
    };

    @Test
    void aKernelThatAddsTheBiasGivesTheSameOutputsAndGradients() {
        for (Precision precision : Precision.values()) {
            assertSameRuns(precision, new JavaGemmKernel(), new BiasJavaKernel());
        }
    }

    @Test
    void aKernelComputingIn32BitsThatAddsTheBiasGivesTheSameOutputsAndGradients() {
        for (Precision precision : new Precision[] {Precision.FP16, Precision.BF16}) {
            assertSameRuns(precision, new WideningJavaKernel(), new WideningBiasJavaKernel());
        }
    }

    @Test
    void oneDnnAddingTheBiasGivesTheBitsOfItsOwnProductAndTheBiasPass() {
        GemmKernel oneDnn;
        try {
            oneDnn = GemmProviders.select("native");
        } catch (RuntimeException e) {
            Assumptions.abort("oneDNN does not load here: " + e.getMessage());
            return;
        }
        assertTrue(oneDnn.fusesBias(Precision.FP32));
        for (Precision precision : Precision.values()) {
            if (oneDnn.fusesBias(precision)) { // every precision it fuses on this CPU
                assertSameRuns(precision, new ForwardingGemmKernel(oneDnn), oneDnn);
            }
        }
    }

    /** Every model trained one micro-batch in {@code precision} gives the same bits with {@code separate} and {@code fused}. */
    private static void assertSameRuns(Precision precision, GemmKernel separate, GemmKernel fused) {
        for (String model : MODELS) {
            float[][] expected = run(model, precision, separate);
            float[][] actual = run(model, precision, fused);
            assertSameBits(precision + " " + model + " output", expected[0], actual[0]);
            assertSameBits(precision + " " + model + " parameter gradients", expected[1], actual[1]);
        }
    }

    @Test
    void theReluBetweenTwoLinearLayersKeepsNoBitsWhenTheKernelAppliesIt() {
        ModelSpec spec = ModelSpec.parse("mlp 24-20-5 relu");
        Sequential model = spec.instantiate();
        float[] master = spec.initialize(3);
        int rows = 64;
        float[] x = GradCheck.uniform(new SplittableRandom(5), rows * 24, -2, 2);
        ReluLayer relu = (ReluLayer) model.layers().get(1);
        for (Precision precision : new Precision[] {Precision.FP32, Precision.BF16}) {
            model.forward(context(master, precision, new JavaGemmKernel()), x, rows);
            long withBits = relu.savedActivationBytes();
            model.forward(context(master, precision, new BiasJavaKernel()), x, rows);
            assertEquals(rows * 20 / 8, withBits, precision + ": with the bias added in a pass the ReLU keeps 20 bits per row");
            assertEquals(0, relu.savedActivationBytes(), precision + ": with the bias and ReLU in the multiply it keeps none");
        }
        // Computed in FP32 and rounded by the layer: the bits only where the bias is added in a pass.
        model.forward(context(master, Precision.FP16, new WideningJavaKernel()), x, rows);
        assertEquals(rows * 20 / 8, relu.savedActivationBytes(), "FP16 held as FP32, bias in a pass: 20 bits per row");
        model.forward(context(master, Precision.FP16, new WideningBiasJavaKernel()), x, rows);
        assertEquals(0, relu.savedActivationBytes(), "FP16 held as FP32, bias and ReLU in the multiply: no bits");
    }

    private static float[][] run(String model, Precision precision, GemmKernel kernel) {
        ModelSpec spec = ModelSpec.parse(model);
        float[] master = spec.initialize(3);
        int rows = 37;
        SplittableRandom random = new SplittableRandom(4);
        float[] x = GradCheck.uniform(random, rows * 24, -2, 2);
        int outputs = spec.outputSize();
        float[] targets = new float[rows];
        for (int i = 0; i < rows; i++) {
            targets[i] = random.nextInt(outputs);
        }
        Loss loss = Losses.byName("softmax_ce");
        Sequential network = spec.instantiate();
        ComputeContext ctx = context(master, precision, kernel);
        float[] output = network.forward(ctx, x, rows);
        float[] gradOutput = new float[output.length];
        loss.sumAndGradient(output, targets, rows, outputs, precision == Precision.FP16 ? 1024f : 1f, gradOutput);
        float[] paramGrads = new float[master.length];
        network.backward(ctx, gradOutput, rows, paramGrads);
        return new float[][] {output, paramGrads};
    }

    private static ComputeContext context(float[] master, Precision precision, GemmKernel kernel) {
        return new ComputeContext(AutocastPolicy.forPrecision(precision), new Gemm(kernel),
                WorkingWeights.cast(master, precision), true, new SplittableRandom(1));
    }

    private static void assertSameBits(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + " [" + i + "]: " + expected[i] + " with the bias added in a pass, " + actual[i] + " in the multiply");
            }
        }
    }
}
