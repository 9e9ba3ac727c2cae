package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/**
 * One implementation of the pointwise passes of the layers, over {@link Matrix} operands in any storage
 * (FP32 values or FP16/BF16 codes, heap or off-heap). {@link Elementwise} checks shapes and storages
 * once, so implementations need not. Results are stored in the output's storage: encoded (rounding to
 * nearest-even) when it holds codes, rounded to {@code roundTo} when it holds FP32 values. Bit masks are
 * {@code long[]} with bit {@code i % 64} of word {@code i / 64} standing for element i. Every
 * implementation gives the same bits.
 */
interface ElementwiseKernel {
    /** Short name for logs, e.g. "scalar". */
    String name();

    /**
     * The epilogue of {@code Y = X·W + b}: {@code out = round_roundTo(product + bias[biasOff + col])}, each row of
     * the FP32 {@code product} getting the same bias, the sum rounded once; with {@code relu}, a following ReLU
     * fused in: {@code max(out, 0)} (NaN gives 0) and, when {@code positive} is not null, the bit of every positive
     * value set in it ({@code positive} is null without {@code relu}).
     */
    void biasEpilogue(Matrix product, float[] bias, int biasOff, Precision roundTo, Matrix out, boolean relu, long[] positive);

    /**
     * {@code out = max(round(in), 0)} (NaN gives 0), {@code in} rounded to {@code roundTo} first; sets the bit of
     * every positive result in {@code positive} (a value that rounds to zero is not positive).
     */
    void relu(Matrix in, Precision roundTo, Matrix out, long[] positive);

    /** {@code out = round(in * scale)} where the mask bit is set, 0 elsewhere. */
    void maskScale(Matrix in, long[] mask, float scale, Precision roundTo, Matrix out);

    /**
     * {@code out = in} where {@code of} is positive (greater than zero; NaN is not), 0 elsewhere: a ReLU's
     * backward read from its output instead of a mask of bits. {@code in}, {@code of} and {@code out} share
     * one storage; {@code out} may be {@code in}.
     */
    void maskPositive(Matrix in, Matrix of, Matrix out);

    /**
     * {@code out = round(in)} to {@code roundTo} where {@code of} is positive (greater than zero; NaN is not), 0
     * elsewhere: an input gradient rounded and masked by the output of the ReLU before it. All three FP32.
     */
    void maskPositiveRound(Matrix in, Matrix of, Precision roundTo, Matrix out);

    /** {@code out = round(in)} to {@code roundTo}, nothing counted; {@code out} may be {@code in}. */
    void round(Matrix in, Precision roundTo, Matrix out);

    /**
     * {@code out = round(in)} in the output's storage, counting the values that were non-zero and how many
     * of those became (signed) zero. {@code out} may be {@code in} itself (counting only).
     */
    CastCounts convert(Matrix in, Precision roundTo, Matrix out);

    /**
     * {@code dst[j] += Σ_rows in[r][j]}, each sum accumulated in double, rows in order; {@code dst} is FP32.
     * Returns how many values of {@code in} are non-zero (NaN counts, both zeros do not).
     */
    long addColumnSums(Matrix in, Matrix dst);

    /** {@code values[i] = e^values[i]} in FP32 for {@code i} in {@code [off, off + count)}, the bits of {@link FloatExp#exp}. */
    void exp(float[] values, int off, int count);

    /**
     * One row of a layer norm's forward from its statistics, in double, for {@code j} in {@code [0, count)}:
     * {@code n = (x[off + j] - mean) · rstd}, {@code xhat[off + j] = (float) n} and
     * {@code out[off + j] = (float) (params[gammaOff + j] · n + params[betaOff + j])}, every operation rounded
     * on its own (no fused multiply-add).
     */
    void normalizeRow(float[] x, int off, int count, double mean, double rstd, float[] params, int gammaOff, int betaOff,
                      float[] xhat, float[] out);

    /**
     * A layer norm's parameter gradients of one row, in double: {@code gammaGrad[j] += dy[off + j] · xhat[off + j]}
     * and {@code betaGrad[j] += dy[off + j]} for {@code j} in {@code [0, count)}.
     */
    void accumulateNormGradients(float[] dy, float[] xhat, int off, int count, double[] gammaGrad, double[] betaGrad);

    /** {@link Reductions#sum}: the same eight partial sums and tree, the same bits. */
    double sum(float[] values, int off, int count);

    /** {@link Reductions#sumOfSquaredDeviations}: the same eight partial sums and tree, the same bits. */
    double sumOfSquaredDeviations(float[] values, int off, int count, double mean);

    /**
     * A layer norm's two row sums before its input gradient, in double: {@code sums[0] = Σ d_j} and
     * {@code sums[1] = Σ d_j · xhat[off + j]} with {@code d_j = dy[off + j] · params[gammaOff + j]}, each in eight
     * partial sums (value j into sum j mod 8) added in {@link Reductions}' tree.
     */
    void normGradientSums(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff, double[] sums);

    /**
     * A layer norm's input gradient of one row, in double, in place: {@code dy[off + j] = (float) (rstd · ((dy[off + j]
     * · params[gammaOff + j] - meanGrad) - xhat[off + j] · meanGradTimesXhat))} for {@code j} in {@code [0, count)}.
     */
    void normGradientRow(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff, double meanGrad,
                         double meanGradTimesXhat, double rstd);

    /** {@code values[i] = (float) f.value(values[i])} for {@code i} in {@code [off, off + count)}, the bits of {@link SmoothFunction}. */
    void smooth(SmoothFunction f, float[] values, int off, int count);

    /**
     * {@code grads[i] = (float) (grads[i] · f.derivative(inputs[i]))} for {@code i} in {@code [off, off + count)}, the
     * bits of {@link SmoothFunction}.
     */
    void smoothGradient(SmoothFunction f, float[] grads, float[] inputs, int off, int count);
}
