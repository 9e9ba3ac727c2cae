package io.sparkamp.core.ops;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The layer norm's per-value work ({@link ElementwiseKernel#normalizeRow}, {@link ElementwiseKernel#accumulateNormGradients},
 * {@link ElementwiseKernel#normGradientRow}) against the formulas written out here in double, to the bit, for both
 * implementations: rows of every length around the vector widths, at offsets, with infinities, NaN, zeros and
 * subnormal floats among the values.
 */
class NormRowKernelTest {
    private static final int[] LENGTHS = {1, 3, 4, 7, 8, 9, 15, 16, 17, 31, 33, 64, 100, 256};

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void normalizeRowComputesEachValueAsWrittenInDouble(String implementation) {
        ElementwiseKernel kernel = ElementwiseKernelTest.kernelNamed(implementation);
        for (int count : LENGTHS) {
            int off = count % 5;
            float[] x = values(off + count, count);
            float[] params = values(3 + 2 * count, count + 1);
            double mean = 0.37;
            double rstd = 1.9;
            float[] xhat = new float[off + count];
            float[] out = new float[off + count];
            kernel.normalizeRow(x, off, count, mean, rstd, params, 3, 3 + count, xhat, out);
            for (int j = 0; j < count; j++) {
                double n = (x[off + j] - mean) * rstd;
                assertSameBits(implementation + " xhat, " + count + " values, " + j, (float) n, xhat[off + j]);
                assertSameBits(implementation + " output, " + count + " values, " + j,
                        (float) (params[3 + j] * n + params[3 + count + j]), out[off + j]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void gradientsAccumulateAndTheInputGradientIsWrittenInPlace(String implementation) {
        ElementwiseKernel kernel = ElementwiseKernelTest.kernelNamed(implementation);
        for (int count : LENGTHS) {
            int off = count % 3;
            float[] dy = values(off + count, 2L * count);
            float[] xhat = values(off + count, 2L * count + 1);
            float[] params = values(2 + count, 2L * count + 2);
            double[] gammaGrad = new double[count + 2];
            double[] betaGrad = new double[count + 2];
            SplittableRandom random = new SplittableRandom(count);
            for (int j = 0; j < gammaGrad.length; j++) {
                gammaGrad[j] = random.nextDouble(-1, 1);
                betaGrad[j] = random.nextDouble(-1, 1);
            }
            double[] expectedGamma = gammaGrad.clone();
            double[] expectedBeta = betaGrad.clone();
            for (int j = 0; j < count; j++) {
                double g = dy[off + j];
                expectedGamma[j] += g * (double) xhat[off + j];
                expectedBeta[j] += g;
            }
            kernel.accumulateNormGradients(dy, xhat, off, count, gammaGrad, betaGrad);
            for (int j = 0; j < gammaGrad.length; j++) {
                assertSameBits(implementation + " gamma gradient, " + count + " values, " + j, expectedGamma[j], gammaGrad[j]);
                assertSameBits(implementation + " beta gradient, " + count + " values, " + j, expectedBeta[j], betaGrad[j]);
            }
            double meanGrad = -0.21;
            double meanGradTimesXhat = 0.83;
            double rstd = 2.5;
            float[] expected = dy.clone();
            for (int j = 0; j < count; j++) {
                double dxhat = dy[off + j] * (double) params[2 + j];
                expected[off + j] = (float) (rstd * (dxhat - meanGrad - xhat[off + j] * meanGradTimesXhat));
            }
            kernel.normGradientRow(dy, xhat, off, count, params, 2, meanGrad, meanGradTimesXhat, rstd);
            for (int i = 0; i < dy.length; i++) {
                assertSameBits(implementation + " input gradient, " + count + " values, " + i, expected[i], dy[i]);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void rowSumsAreReductionsBits(String implementation) {
        ElementwiseKernel kernel = ElementwiseKernelTest.kernelNamed(implementation);
        for (int count : LENGTHS) {
            int off = count % 7;
            float[] x = finite(off + count + 3, 5L * count);
            assertSameBits(implementation + " sum, " + count + " values", Reductions.sum(x, off, count), kernel.sum(x, off, count));
            assertSameBits(implementation + " squared deviations, " + count + " values",
                    Reductions.sumOfSquaredDeviations(x, off, count, 0.3), kernel.sumOfSquaredDeviations(x, off, count, 0.3));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"scalar", "vector"})
    void backwardRowSumsAreEightPartialSumsInReductionsTree(String implementation) {
        ElementwiseKernel kernel = ElementwiseKernelTest.kernelNamed(implementation);
        for (int count : LENGTHS) {
            int off = count % 3;
            float[] dy = finite(off + count, 7L * count);
            float[] xhat = finite(off + count, 7L * count + 1);
            float[] params = finite(4 + count, 7L * count + 2);
            double[] d = new double[8];
            double[] dx = new double[8];
            for (int j = 0; j < count; j++) {
                double dxhat = dy[off + j] * (double) params[4 + j];
                d[j % 8] += dxhat;
                dx[j % 8] += dxhat * xhat[off + j];
            }
            double[] sums = {Double.NaN, Double.NaN, 7.0};
            kernel.normGradientSums(dy, xhat, off, count, params, 4, sums);
            assertSameBits(implementation + " Σ dy·γ, " + count + " values",
                    ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7])), sums[0]);
            assertSameBits(implementation + " Σ dy·γ·xhat, " + count + " values",
                    ((dx[0] + dx[1]) + (dx[2] + dx[3])) + ((dx[4] + dx[5]) + (dx[6] + dx[7])), sums[1]);
            assertSameBits(implementation + " beyond the sums", 7.0, sums[2]);
        }
    }

    /**
     * Gaussian values of every scale from 2^-20 to 2^20: sums in different orders differ in their last bits, so a
     * sum in another order than the partial sums' fails.
     */
    private static float[] finite(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) Math.scalb(random.nextGaussian(), random.nextInt(-20, 21));
        }
        return out;
    }

    /** Gaussian values with an infinity, a NaN, a negative zero and a subnormal float among them. */
    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] special = {Float.POSITIVE_INFINITY, Float.NaN, -0f, Float.MIN_VALUE, 0x1p-130f, 65504f};
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = i % 11 == 7 ? special[random.nextInt(special.length)] : (float) random.nextGaussian();
        }
        return out;
    }

    static void assertSameBits(String what, float expected, float actual) {
        if (Float.isNaN(expected) ? !Float.isNaN(actual) : Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(actual)) {
            fail(what + ": expected " + expected + " got " + actual);
        }
    }

    private static void assertSameBits(String what, double expected, double actual) {
        if (Double.isNaN(expected) ? !Double.isNaN(actual) : Double.doubleToRawLongBits(expected) != Double.doubleToRawLongBits(actual)) {
            fail(what + ": expected " + expected + " got " + actual);
        }
    }
}
