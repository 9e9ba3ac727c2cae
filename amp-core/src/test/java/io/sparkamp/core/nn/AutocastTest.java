package io.sparkamp.core.nn;

import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.numeric.Bf16;
import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The autocast rules as observable behaviour of the layers and losses. */
class AutocastTest {

    /** (a) FP16 cannot hold 1 + 2^-12 (its spacing at 1 is 2^-10): the matmul must see 1. */
    @Test
    void matmulInputIsTheFp16RoundedValue() {
        float x0 = 1f + 0x1p-12f;
        float x1 = 0.1f;
        float[] master = {3f, 0.7f, 0f}; // weight [2 x 1], bias [1]
        Layer layer = new LinearSpec(1).bind(2, 0);
        float[] y = layer.forward(GradCheck.context(Precision.FP16, master, false, 1), new float[] {x0, x1}, 1);
        double products = (double) Fp16.round(x0) * Fp16.round(3f) + (double) Fp16.round(x1) * Fp16.round(0.7f);
        assertEquals(Fp16.round((float) products), y[0], 0f);
        assertEquals(1f, Fp16.round(x0), "premise: FP16 rounds 1 + 2^-12 to 1");

        float[] fp32 = new LinearSpec(1).bind(2, 0).forward(GradCheck.context(Precision.FP32, master, false, 1), new float[] {x0, x1}, 1);
        assertNotEquals(fp32[0], y[0], "the FP32 run keeps the extra bit");
    }

    @Test
    void matmulInputIsTheBf16RoundedValue() {
        float x = 1f + 0x1p-9f; // bf16 spacing at 1 is 2^-7
        float[] master = {3f, 0f};
        float[] y = new LinearSpec(1).bind(1, 0).forward(GradCheck.context(Precision.BF16, master, false, 1), new float[] {x}, 1);
        assertEquals(Bf16.round(Bf16.round(x) * 3f), y[0], 0f);
        assertEquals(3f, y[0], 0f);
    }

    /**
     * The bias is added to the FP32-accumulated product before the one rounding to FP16, as PyTorch's
     * {@code addmm} (its FP16 {@code nn.Linear}) does: X·W = 1 + 3*2^-12, plus the bias -2^-12 is 1 + 2^-11, a
     * tie that rounds to even, 1. Rounding the product first (to 1 + 2^-10) and then the sum would give
     * 1 + 2^-10.
     */
    @Test
    void theBiasIsAddedToTheProductBeforeItsOneRounding() {
        float[] master = {1f + 0x1p-10f, -0x1p-12f, -0x1p-12f}; // weight [2 x 1], bias [1]
        float[] y = new LinearSpec(1).bind(2, 0).forward(GradCheck.context(Precision.FP16, master, false, 1), new float[] {1f, 1f}, 1);
        assertEquals(1f, y[0], 0f);
    }

    /** Overflow of the matmul output is not clamped: it becomes +inf, which the step later detects. */
    @Test
    void matmulOutputOverflowsToInfinityInFp16Only() {
        float[] master = {300f, 0f};
        float[] x = {300f};
        float[] fp16 = new LinearSpec(1).bind(1, 0).forward(GradCheck.context(Precision.FP16, master, false, 1), x, 1);
        float[] bf16 = new LinearSpec(1).bind(1, 0).forward(GradCheck.context(Precision.BF16, master, false, 1), x, 1);
        assertEquals(Float.POSITIVE_INFINITY, fp16[0], "90000 > 65504");
        assertEquals(Bf16.round(90000f), bf16[0], 0f);
    }

    /** (b) In mixed runs every layer keeps its activations in 2 bytes per value (or 1 bit for masks). */
    @Test
    void savedActivationsAreSixteenBitInMixedRuns() {
        ModelSpec spec = ModelSpec.parse("input 8 | linear 6 | relu | linear 6 | gelu | layernorm | dropout 0.25 | linear 3");
        int rows = 5;
        float[] master = spec.initialize(3);
        float[] x = GradCheck.uniform(new SplittableRandom(4), rows * 8, -1, 1);
        for (Precision precision : new Precision[] {Precision.FP16, Precision.BF16}) {
            Sequential model = spec.instantiate();
            model.forward(GradCheck.context(precision, master, true, 9), x, rows);
            long[] expected = {rows * 8 * 2, 8, rows * 6 * 2, rows * 6 * 2, rows * 6 * 2 + rows * 4, 8, rows * 6 * 2};
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], ((ActivationMemory) model.layers().get(i)).savedActivationBytes(),
                        precision + " layer " + i + " " + spec.layers().get(i).toSpec());
            }
            SavedTensor firstInput = ((LinearLayer) model.layers().get(0)).savedInput();
            assertArrayEquals(LowPrecisionArrays.encode(precision, x), firstInput.codes(), "Linear keeps its input as rounded codes");
        }
        Sequential fp32 = spec.instantiate();
        fp32.forward(GradCheck.context(Precision.FP32, master, true, 9), x, rows);
        assertEquals(rows * 8 * 4, ((ActivationMemory) fp32.layers().get(0)).savedActivationBytes());
        assertArrayEquals(x, ((LinearLayer) fp32.layers().get(0)).savedInput().floats());
    }

    /**
     * (c) Logits 60000 and 57600 (FP16's largest finite is 65504; both exactly representable) reach the
     * loss, which runs in FP32 with the maximum subtracted: finite and equal to the FP32 run's result.
     */
    @Test
    void softmaxCrossEntropyOfLogitsNearFp16RangeIsFiniteAndEqualsFp32() {
        float[] master = {250f, 240f, 0f, 0f}; // weight [1 x 2], bias [2]
        float[] x = {240f};
        float[] targets = {1f};
        Loss loss = Losses.byName("softmax_ce");
        float[] logits16 = new LinearSpec(2).bind(1, 0).forward(GradCheck.context(Precision.FP16, master, false, 1), x, 1);
        float[] logits32 = new LinearSpec(2).bind(1, 0).forward(GradCheck.context(Precision.FP32, master, false, 1), x, 1);
        assertArrayEquals(new float[] {60000f, 57600f}, logits16, 0f);
        assertTrue(Double.isInfinite(Math.exp(logits16[0])), "premise: a naive exp overflows");

        float[] grad16 = new float[2];
        float[] grad32 = new float[2];
        double sum16 = loss.sumAndGradient(logits16, targets, 1, 2, 1f, grad16);
        double sum32 = loss.sumAndGradient(logits32, targets, 1, 2, 1f, grad32);
        assertTrue(Double.isFinite(sum16));
        assertEquals(sum32, sum16, 0.0);
        assertEquals(2400.0, sum16, 1e-9, "log(e^60000 + e^57600) - 57600 = 2400 + log(1 + e^-2400)");
        assertArrayEquals(grad32, grad16, 0f);
        assertArrayEquals(new float[] {1f, -1f}, grad16, 0f);
    }

    /**
     * (d) 1e-9 is below half of FP16's smallest subnormal (2^-24 ~ 6e-8) and becomes zero; 3.1e-8 is just
     * above half and rounds up to 2^-24; BF16 has FP32's exponent range, so nothing vanishes there.
     */
    @Test
    void underflowCounterCountsGradientsThatVanish() {
        int rows = 2;
        int out = 4;
        float[] gradOutput = {1e-9f, -1e-9f, 1e-3f, 0f, 3.1e-8f, 2e-9f, -0.5f, 0f};
        int tiny = 3; // 1e-9, -1e-9, 2e-9: non-zero, become zero in FP16; the zeros do not count
        int nonZero = 6; // the two exact zeros are in neither count
        assertEquals(0f, Fp16.round(2e-9f));
        assertEquals(Fp16.MIN_VALUE, Fp16.round(3.1e-8f));

        ComputeContext fp16 = backwardOnce(Precision.FP16, gradOutput, rows, out);
        assertEquals(nonZero, fp16.stats().gradientValuesCast());
        assertEquals(tiny, fp16.stats().gradientValuesUnderflowed());

        ComputeContext bf16 = backwardOnce(Precision.BF16, gradOutput, rows, out);
        assertEquals(nonZero, bf16.stats().gradientValuesCast());
        assertEquals(0, bf16.stats().gradientValuesUnderflowed());

        ComputeContext fp32 = backwardOnce(Precision.FP32, gradOutput, rows, out);
        assertEquals(0, fp32.stats().gradientValuesCast(), "an FP32 run casts nothing");
    }

    private static ComputeContext backwardOnce(Precision precision, float[] gradOutput, int rows, int out) {
        int in = 3;
        float[] master = GradCheck.uniform(new SplittableRandom(2), in * out + out, -1, 1);
        ComputeContext ctx = GradCheck.context(precision, master, true, 1);
        Layer layer = new LinearSpec(out).bind(in, 0);
        layer.forward(ctx, GradCheck.uniform(new SplittableRandom(3), rows * in, -1, 1), rows);
        layer.backward(ctx, gradOutput, rows, new float[master.length], true);
        return ctx;
    }

    /**
     * dX = round16(dY16 · W16^T). With two terms per entry the FP32 sum of the exact products is one
     * correctly rounded addition, so the FP64 sum rounded to float and then to FP16 is the exact expectation.
     */
    @Test
    void inputGradientIsRoundedToFp16() {
        int rows = 3;
        int in = 4;
        int out = 2;
        SplittableRandom random = new SplittableRandom(12);
        float[] master = GradCheck.uniform(random, in * out + out, -1, 1);
        float[] dy = GradCheck.uniform(random, rows * out, -1, 1);
        ComputeContext ctx = GradCheck.context(Precision.FP16, master, true, 1);
        Layer layer = new LinearSpec(out).bind(in, 0);
        layer.forward(ctx, GradCheck.uniform(random, rows * in, -1, 1), rows);
        float[] dx = layer.backward(ctx, dy, rows, new float[master.length], true);
        for (int r = 0; r < rows; r++) {
            for (int p = 0; p < in; p++) {
                double sum = 0;
                for (int j = 0; j < out; j++) {
                    sum += (double) Fp16.round(dy[r * out + j]) * Fp16.round(master[p * out + j]);
                }
                assertEquals(Fp16.round((float) sum), dx[r * in + p], 0f, "dX[" + r + "][" + p + "]");
            }
        }
    }

    /** dW accumulates in FP32 and is not rounded: it equals the FP64 product of the rounded operands. */
    @Test
    void weightGradientIsFp32AccumulationOfRoundedOperands() {
        int rows = 3;
        int in = 2;
        int out = 2;
        SplittableRandom random = new SplittableRandom(8);
        float[] x = GradCheck.uniform(random, rows * in, -1, 1);
        float[] dy = GradCheck.uniform(random, rows * out, -1, 1);
        float[] master = GradCheck.uniform(random, in * out + out, -1, 1);
        ComputeContext ctx = GradCheck.context(Precision.FP16, master, true, 1);
        Layer layer = new LinearSpec(out).bind(in, 0);
        layer.forward(ctx, x, rows);
        float[] grads = new float[master.length];
        layer.backward(ctx, dy, rows, grads, false);
        boolean someNotHalf = false;
        for (int p = 0; p < in; p++) {
            for (int j = 0; j < out; j++) {
                double exact = 0;
                for (int r = 0; r < rows; r++) {
                    exact += (double) Fp16.round(x[r * in + p]) * Fp16.round(dy[r * out + j]);
                }
                float dw = grads[p * out + j];
                assertEquals(exact, dw, 1e-6 * Math.abs(exact) + 1e-7, "dW[" + p + "][" + j + "]");
                someNotHalf |= Fp16.round(dw) != dw;
            }
        }
        assertTrue(someNotHalf, "dW keeps FP32 bits an FP16 result could not hold");
        for (int j = 0; j < out; j++) {
            double columnSum = 0;
            for (int r = 0; r < rows; r++) {
                columnSum += dy[r * out + j];
            }
            assertEquals(columnSum, grads[in * out + j], 1e-6, "db uses the unrounded FP32 gradient");
        }
        assertFalse(Double.isNaN(grads[0]));
    }
}
