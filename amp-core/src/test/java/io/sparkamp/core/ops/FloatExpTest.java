package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Vectorization;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The FP32 exponential against {@code StrictMath.exp} (in double, an independent reference) on a sample of
 * every float bit pattern from -105 to 89, and the vector pass against the plain one, bit for bit, on the same
 * sample and at awkward lengths and offsets.
 */
class FloatExpTest {
    /** Every 101st bit pattern: about 22 million floats from -105 to 89, every binade, normal and subnormal results. */
    private static final int STRIDE = 101;

    @Test
    void everySampledFloatIsWithinOneUlpOfTheExactExponential() {
        double worst = 0;
        float worstAt = Float.NaN;
        long checked = 0;
        for (long bits = Integer.MIN_VALUE; bits <= Integer.MAX_VALUE; bits += STRIDE) {
            float x = Float.intBitsToFloat((int) bits);
            if (!(x >= -105f && x <= 89f)) {
                continue;
            }
            double exact = StrictMath.exp(x);
            float nearest = (float) exact;
            double ulp = Math.ulp(nearest == 0f ? Float.MIN_VALUE : nearest);
            double error = Math.abs(FloatExp.exp(x) - exact) / ulp;
            if (error > worst) {
                worst = error;
                worstAt = x;
            }
            checked++;
        }
        assertTrue(checked > 20_000_000, "sample too small: " + checked);
        assertTrue(worst < 1.0, "error " + worst + " ulp at x = " + worstAt);
    }

    @Test
    void specialValues() {
        assertEquals(1f, FloatExp.exp(0f));
        assertEquals(1f, FloatExp.exp(-0f));
        assertEquals(0f, FloatExp.exp(Float.NEGATIVE_INFINITY));
        assertEquals(0f, FloatExp.exp(-1000f));
        assertEquals(Float.POSITIVE_INFINITY, FloatExp.exp(Float.POSITIVE_INFINITY));
        assertEquals(Float.POSITIVE_INFINITY, FloatExp.exp(1000f));
        assertTrue(Float.isNaN(FloatExp.exp(Float.NaN)));
        assertEquals(Float.MIN_VALUE, FloatExp.exp(-103.9f), "the smallest subnormal");
        assertEquals((float) Math.E, FloatExp.exp(1f));
    }

    @Test
    void theVectorPassGivesThePlainPassBits() {
        ElementwiseKernel vector = vectorKernel();
        ElementwiseKernel scalar = ElementwiseKernels.scalar();
        float[] sample = new float[(int) ((1L << 32) / STRIDE) + 1];
        int n = 0;
        for (long bits = Integer.MIN_VALUE; bits <= Integer.MAX_VALUE; bits += STRIDE) {
            sample[n++] = Float.intBitsToFloat((int) bits); // every value, NaN and infinities included
        }
        sample = Arrays.copyOf(sample, n);
        float[] expected = sample.clone();
        scalar.exp(expected, 0, n);
        float[] actual = sample.clone();
        vector.exp(actual, 0, n);
        for (int i = 0; i < n; i++) {
            if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(actual[i])) {
                throw new AssertionError("exp(" + sample[i] + "): plain " + expected[i] + ", vector " + actual[i]);
            }
        }
        for (int count : new int[] {0, 1, 7, 15, 16, 17, 33, 1023}) {
            for (int off : new int[] {0, 3}) {
                float[] values = new float[off + count + 2];
                for (int i = 0; i < values.length; i++) {
                    values[i] = -0.37f * i;
                }
                float[] plain = values.clone();
                scalar.exp(plain, off, count);
                vector.exp(values, off, count);
                assertEquals(Arrays.toString(plain), Arrays.toString(values), count + " values at " + off);
            }
        }
    }

    @Test
    void theFacadeChecksTheRange() {
        assertThrows(IndexOutOfBoundsException.class, () -> Elementwise.exp(new float[4], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> Elementwise.exp(new float[4], -1, 1));
        float[] values = {0f, 1f, -1f};
        Elementwise.exp(values, 1, 2);
        assertEquals(0f, values[0], "outside the range: untouched");
        assertEquals(FloatExp.exp(1f), values[1]);
        assertEquals(FloatExp.exp(-1f), values[2]);
    }

    private static ElementwiseKernel vectorKernel() {
        // Skipped only where the JVM lacks the module; with the module a load failure is a bug.
        Assumptions.assumeTrue(Vectorization.unavailableReason() == null, Vectorization::unavailableReason);
        Vectorization.Loaded<ElementwiseKernel> vector = ElementwiseKernels.vector();
        assertNotNull(vector.instance(), vector.reason());
        return vector.instance();
    }
}
