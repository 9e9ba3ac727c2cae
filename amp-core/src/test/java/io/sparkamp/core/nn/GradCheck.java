package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.JavaGemmKernel;

import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Test helpers: contexts, random data, central differences in FP64 and the comparison rule. */
public final class GradCheck {
    /** Central-difference step in FP64. */
    public static final double H = 1e-6;
    /**
     * Analytical FP32 gradients vs FP64 central differences: |analytic - numeric| <= REL * |numeric| + ABS.
     * FP32 round-off in the analytical pass is ~1e-7 relative, the FP64 difference quotient is good to
     * ~1e-9, so 1e-3 relative with a 1e-5 floor can only be missed by a wrong formula.
     */
    public static final double REL = 1e-3;
    public static final double ABS = 1e-5;

    private GradCheck() {
    }

    public static ComputeContext context(Precision precision, float[] master, boolean training, long seed) {
        return new ComputeContext(AutocastPolicy.forPrecision(precision), new Gemm(new JavaGemmKernel()),
                WorkingWeights.cast(master, precision), training, new SplittableRandom(seed));
    }

    public static float[] uniform(SplittableRandom random, int n, double low, double high) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = (float) random.nextDouble(low, high);
        }
        return values;
    }

    /** Uniform values with |v| in [minAbs, maxAbs] and a random sign (keeps ReLU away from its kink). */
    public static float[] awayFromZero(SplittableRandom random, int n, double minAbs, double maxAbs) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            double magnitude = random.nextDouble(minAbs, maxAbs);
            values[i] = (float) (random.nextBoolean() ? magnitude : -magnitude);
        }
        return values;
    }

    public static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    public static double[] slice(double[] values, int from, int count) {
        double[] out = new double[count];
        System.arraycopy(values, from, out, 0, count);
        return out;
    }

    /** d f / d at[i] for every i, by central differences with step {@link #H}. */
    public static double[] numericGradient(ToDoubleFunction<double[]> f, double[] at) {
        double[] gradient = new double[at.length];
        for (int i = 0; i < at.length; i++) {
            double saved = at[i];
            at[i] = saved + H;
            double plus = f.applyAsDouble(at);
            at[i] = saved - H;
            double minus = f.applyAsDouble(at);
            at[i] = saved;
            gradient[i] = (plus - minus) / (2 * H);
        }
        return gradient;
    }

    /** Fails naming the first element where analytic and numeric gradients disagree beyond the rule. */
    public static void assertGradientsMatch(String what, double[] numeric, float[] analytic, int analyticOffset) {
        for (int i = 0; i < numeric.length; i++) {
            double a = analytic[analyticOffset + i];
            double tolerance = REL * Math.abs(numeric[i]) + ABS;
            if (!(Math.abs(a - numeric[i]) <= tolerance)) {
                fail(what + "[" + i + "]: analytic " + a + " vs central difference " + numeric[i] + " (tolerance " + tolerance + ")");
            }
        }
    }

    /** Largest |a - b| over the largest |b| (the error of a relative to b, as a fraction of b's scale). */
    public static double relativeMaxError(float[] a, float[] b) {
        double maxDiff = 0;
        double maxB = 0;
        for (int i = 0; i < b.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) a[i] - b[i]));
            maxB = Math.max(maxB, Math.abs(b[i]));
        }
        return maxDiff / maxB;
    }

    /**
     * A layer that keeps arrays across micro-batches gives, to the bit, what a new layer gives: {@code newLayer}'s
     * layers run batches of the given row counts (of {@code width} values a row) in every precision, the reused one
     * after all the batches before; outputs, input gradients, parameter gradients (added into random ones) and the
     * saved activation bytes are compared.
     */
    public static void assertReusedLayerGivesNewLayersBits(Supplier<Layer> newLayer, float[] params, int width,
                                                            int... batchRows) {
        SplittableRandom values = new SplittableRandom(5);
        for (Precision precision : Precision.values()) {
            Layer reused = newLayer.get();
            ComputeContext ctx = context(precision, params, true, 1);
            for (int rows : batchRows) {
                float[] x = uniform(values, rows * width, -2, 3);
                float[] g = uniform(values, rows * width, -1, 1);
                float[] expectedGrads = uniform(values, params.length, -1, 1);
                float[] grads = expectedGrads.clone();
                Layer fresh = newLayer.get();
                float[] expectedY = fresh.forward(ctx, x, rows);
                float[] expectedDx = fresh.backward(ctx, g, rows, expectedGrads, true);
                String what = fresh.name() + ", " + precision + ", " + rows + " rows";
                assertArrayEquals(expectedY, reused.forward(ctx, x, rows), what + ": output");
                assertArrayEquals(expectedDx, reused.backward(ctx, g, rows, grads, true),
                        what + ": input gradient");
                assertArrayEquals(expectedGrads, grads, what + ": parameter gradients");
                assertEquals(((ActivationMemory) fresh).savedActivationBytes(),
                        ((ActivationMemory) reused).savedActivationBytes(), what + ": saved bytes");
            }
        }
    }
}
