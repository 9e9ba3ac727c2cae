package io.sparkamp.core.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static io.sparkamp.core.ops.NormRowKernelTest.assertSameBits;

/**
 * The smooth activations' passes ({@link ElementwiseKernel#smooth}, {@link ElementwiseKernel#smoothGradient}) against
 * {@link SmoothFunction}'s methods value by value, to the bit, for both implementations: runs of every length around
 * the vector widths and the vector passes' block of 512, at offsets, with infinities, NaN, zeros, subnormal floats
 * and values far out on both sides among them; the values outside the run untouched.
 */
class SmoothKernelTest {
    private static final int[] LENGTHS = {1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 100, 511, 512, 513, 1030, 1600};

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void forwardComputesEachValueAsTheFunctionDefinesIt(String implementation) {
        ElementwiseKernel kernel = ElementwiseKernelTest.kernelNamed(implementation);
        for (SmoothFunction f : SmoothFunction.values()) {
            for (int count : LENGTHS) {
                int off = count % 5;
                float[] values = values(off + count + 2, count);
                float[] expected = values.clone();
                for (int i = off; i < off + count; i++) {
                    expected[i] = (float) f.value(values[i]);
                }
                kernel.smooth(f, values, off, count);
                for (int i = 0; i < values.length; i++) {
                    assertSameBits(implementation + " " + f + ", " + count + " values, " + i, expected[i], values[i]);
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void backwardMultipliesEachGradientByTheDerivative(String implementation) {
        ElementwiseKernel kernel = ElementwiseKernelTest.kernelNamed(implementation);
        for (SmoothFunction f : SmoothFunction.values()) {
            for (int count : LENGTHS) {
                int off = count % 3;
                float[] inputs = values(off + count + 1, 3L * count);
                float[] grads = values(off + count + 1, 3L * count + 1);
                float[] expected = grads.clone();
                for (int i = off; i < off + count; i++) {
                    expected[i] = (float) (grads[i] * f.derivative(inputs[i]));
                }
                kernel.smoothGradient(f, grads, inputs, off, count);
                for (int i = 0; i < grads.length; i++) {
                    assertSameBits(implementation + " " + f + "', " + count + " values, " + i, expected[i], grads[i]);
                }
            }
        }
    }

    /** Values from -12 to 12 with, every eleventh, one of the special or far-out ones. */
    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] special = {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0f, -0f, Float.MIN_VALUE,
            -0x1p-130f, 1e-20f, -30f, 30f, -800f, 800f, 65504f, -65504f};
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = i % 11 == 7 ? special[random.nextInt(special.length)] : (float) random.nextDouble(-12, 12);
        }
        return out;
    }
}
