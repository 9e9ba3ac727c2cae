package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/**
 * The pointwise passes the layers share, over {@link Matrix} operands: the facade checks shapes and
 * storages once, then runs the implementation chosen at start-up (Vector API where available, plain
 * loops otherwise; see {@link ElementwiseKernel} for the contract). Each pass takes the precision its
 * result is rounded to ({@link Precision#FP32} leaves it unrounded), so FP32 and mixed runs run the same
 * code. Bit masks are {@code long[]} with bit {@code i % 64} of word {@code i / 64} standing for element i.
 */
public final class Elementwise {
    private static final ElementwiseKernel KERNEL = ElementwiseKernels.selected();

    private Elementwise() {
    }

    /**
     * {@code out = round(product + bias[biasOff + col])} to {@code roundTo} for every row of the FP32 {@code product}:
     * a Linear layer's output, the bias added to the FP32-accumulated product and the sum rounded once (as
     * PyTorch's {@code addmm}, and as a kernel that adds the bias in its multiply, {@link Gemm#multiplyAddBias}).
     * With {@code relu} a following ReLU is fused in: negative values, zeros and NaN become 0 and, where
     * {@code positive} is not null, the bit of every positive value is set in it, as {@link #relu} would do on
     * {@code out}. Without the bits, the ReLU's backward reads its output instead ({@link #maskPositive}).
     */
    public static void biasEpilogue(Matrix product, float[] bias, int biasOff, Precision roundTo, Matrix out, boolean relu,
                                    long[] positive) {
        requireStorage("bias epilogue's product", product, Precision.FP32);
        requireSameShape(product, out);
        requireRounding(out, roundTo);
        if (biasOff < 0 || (long) biasOff + product.cols() > bias.length) {
            throw new IndexOutOfBoundsException("bias of " + product.cols() + " values at " + biasOff + " outside an array of "
                    + bias.length);
        }
        if (positive != null) {
            if (!relu) {
                throw new IllegalArgumentException("bias epilogue: mask bits without a ReLU");
            }
            requireMask(positive, product.size());
        }
        KERNEL.biasEpilogue(product, bias, biasOff, roundTo, out, relu, positive);
    }

    /**
     * {@code out = max(round(in), 0)} with {@code in} rounded to {@code roundTo} first (NaN gives 0); the bit of every
     * positive result set in {@code positive}.
     */
    public static void relu(Matrix in, Precision roundTo, Matrix out, long[] positive) {
        requireSameShape(in, out);
        requireRounding(out, roundTo);
        requireMask(positive, in.size());
        KERNEL.relu(in, roundTo, out, positive);
    }

    /** {@code out = round(in * scale)} where the mask bit is set, 0 elsewhere. */
    public static void maskScale(Matrix in, long[] mask, float scale, Precision roundTo, Matrix out) {
        requireSameShape(in, out);
        requireRounding(out, roundTo);
        requireMask(mask, in.size());
        KERNEL.maskScale(in, mask, scale, roundTo, out);
    }

    /** {@code out = in} where {@code of} is greater than zero, 0 elsewhere (see {@link ElementwiseKernel#maskPositive}). */
    public static void maskPositive(Matrix in, Matrix of, Matrix out) {
        requireSameShape(in, out);
        requireSameShape(in, of);
        if (in.storage() != of.storage() || in.storage() != out.storage()) {
            throw new IllegalArgumentException("maskPositive needs one storage, got " + in + ", " + of + " and " + out);
        }
        KERNEL.maskPositive(in, of, out);
    }

    /**
     * {@code out = round(in)} to {@code roundTo} where {@code of} is greater than zero, 0 elsewhere, all three FP32:
     * an input gradient rounded to 16 bits and masked by the output of the ReLU before it, in one pass.
     */
    public static void maskPositiveRound(Matrix in, Matrix of, Precision roundTo, Matrix out) {
        requireSameShape(in, out);
        requireSameShape(in, of);
        requireStorage("maskPositiveRound's input", in, Precision.FP32);
        requireStorage("maskPositiveRound's mask source", of, Precision.FP32);
        requireStorage("maskPositiveRound's result", out, Precision.FP32);
        KERNEL.maskPositiveRound(in, of, roundTo, out);
    }

    /**
     * {@code out = round(in)} to {@code roundTo} in {@code out}'s storage, counting nothing ({@link #convert} counts);
     * {@code out} may be {@code in}: a sum the GEMM computed in FP32 rounded to 16 bits where it lies.
     */
    public static void round(Matrix in, Precision roundTo, Matrix out) {
        requireSameShape(in, out);
        requireRounding(out, roundTo);
        KERNEL.round(in, roundTo, out);
    }

    /**
     * {@code out = in} rounded to {@code roundTo} in {@code out}'s storage, counting how many values were
     * non-zero and how many of those became a (signed) zero: the underflow the loss scale exists to prevent.
     * {@code out} may be {@code in} (then it only counts; {@code in} must already be exact in {@code roundTo}).
     */
    public static CastCounts convert(Matrix in, Precision roundTo, Matrix out) {
        requireSameShape(in, out);
        requireRounding(out, roundTo);
        if (in == out && !in.isExactIn(roundTo)) {
            throw new IllegalArgumentException("converting " + in + " in place would need rounding to " + roundTo);
        }
        return KERNEL.convert(in, roundTo, out);
    }

    /**
     * {@code dst[j] += Σ_rows in[r][j]}, accumulated in double, rows in order (the same bits every time).
     * Returns how many values of {@code in} are non-zero: the count a 16-bit cast of values already exact in
     * 16 bits would report (none of them underflows), without a pass of its own.
     */
    public static long addColumnSums(Matrix in, Matrix dst) {
        requireStorage("column sums", dst, Precision.FP32);
        if (dst.size() != in.cols()) {
            throw new IllegalArgumentException("column sums of " + in + " need " + in.cols() + " values, got " + dst);
        }
        return KERNEL.addColumnSums(in, dst);
    }

    /**
     * {@code values[i] = e^values[i]} in place for {@code i} in {@code [off, off + count)}, in FP32 (softmax's
     * exponential): under 1 ulp from the exact value, {@code e^0 = 1} exactly, the same bits on every
     * implementation and CPU ({@link FloatExp}).
     */
    public static void exp(float[] values, int off, int count) {
        checkRange(values, off, count);
        KERNEL.exp(values, off, count);
    }

    /**
     * {@code values[i] = f(values[i])} for {@code i} in {@code [off, off + count)}: a smooth activation's forward,
     * evaluated in double and stored as float, the same bits on every implementation and CPU ({@link SmoothFunction}).
     */
    public static void smooth(SmoothFunction f, float[] values, int off, int count) {
        checkRange(values, off, count);
        KERNEL.smooth(f, values, off, count);
    }

    /** {@code grads[i] = grads[i] · f'(inputs[i])} for {@code i} in {@code [off, off + count)}: its backward, in place. */
    public static void smoothGradient(SmoothFunction f, float[] grads, float[] inputs, int off, int count) {
        checkRange(grads, off, count);
        checkRange(inputs, off, count);
        KERNEL.smoothGradient(f, grads, inputs, off, count);
    }

    /** A layer norm's forward of one row from its statistics (see {@link ElementwiseKernel#normalizeRow}). */
    public static void normalizeRow(float[] x, int off, int count, double mean, double rstd, float[] params, int gammaOff,
                                    int betaOff, float[] xhat, float[] out) {
        checkRange(x, off, count);
        checkRange(xhat, off, count);
        checkRange(out, off, count);
        checkRange(params, gammaOff, count);
        checkRange(params, betaOff, count);
        KERNEL.normalizeRow(x, off, count, mean, rstd, params, gammaOff, betaOff, xhat, out);
    }

    /** A layer norm's parameter gradients of one row (see {@link ElementwiseKernel#accumulateNormGradients}). */
    public static void accumulateNormGradients(float[] dy, float[] xhat, int off, int count, double[] gammaGrad,
                                               double[] betaGrad) {
        checkRange(dy, off, count);
        checkRange(xhat, off, count);
        if (gammaGrad.length < count || betaGrad.length < count) {
            throw new IndexOutOfBoundsException(count + " gradient sums, arrays of " + gammaGrad.length + " and "
                    + betaGrad.length);
        }
        KERNEL.accumulateNormGradients(dy, xhat, off, count, gammaGrad, betaGrad);
    }

    /** {@link Reductions#sum}, the same bits, on vector lanes where the JVM has them (a layer norm's row mean). */
    public static double sum(float[] values, int off, int count) {
        checkRange(values, off, count);
        return KERNEL.sum(values, off, count);
    }

    /** {@link Reductions#sumOfSquaredDeviations}, the same bits, on vector lanes where the JVM has them (its variance). */
    public static double sumOfSquaredDeviations(float[] values, int off, int count, double mean) {
        checkRange(values, off, count);
        return KERNEL.sumOfSquaredDeviations(values, off, count, mean);
    }

    /** A layer norm's two row sums before its input gradient (see {@link ElementwiseKernel#normGradientSums}). */
    public static void normGradientSums(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff,
                                        double[] sums) {
        checkRange(dy, off, count);
        checkRange(xhat, off, count);
        checkRange(params, gammaOff, count);
        if (sums.length < 2) {
            throw new IndexOutOfBoundsException("norm gradient sums: 2 sums, an array of " + sums.length);
        }
        KERNEL.normGradientSums(dy, xhat, off, count, params, gammaOff, sums);
    }

    /** A layer norm's input gradient of one row, in place (see {@link ElementwiseKernel#normGradientRow}). */
    public static void normGradientRow(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff,
                                       double meanGrad, double meanGradTimesXhat, double rstd) {
        checkRange(dy, off, count);
        checkRange(xhat, off, count);
        checkRange(params, gammaOff, count);
        KERNEL.normGradientRow(dy, xhat, off, count, params, gammaOff, meanGrad, meanGradTimesXhat, rstd);
    }

    private static void checkRange(float[] values, int off, int count) {
        if (off < 0 || count < 0 || (long) off + count > values.length) {
            throw new IndexOutOfBoundsException(count + " values at " + off + " outside an array of " + values.length);
        }
    }

    /** A new bit mask with room for {@code count} elements, all clear. */
    public static long[] newMask(int count) {
        return new long[(count + 63) >>> 6];
    }

    /** True when element {@code i} of {@code mask} is set. */
    public static boolean isSet(long[] mask, int i) {
        return (mask[i >>> 6] & (1L << i)) != 0;
    }

    /** The implementation in use, for logs. */
    public static String implementation() {
        return KERNEL.name();
    }

    private static void requireSameShape(Matrix a, Matrix b) {
        if (a.rows() != b.rows() || a.cols() != b.cols()) {
            throw new IllegalArgumentException("shapes differ: " + a + " and " + b);
        }
    }

    private static void requireStorage(String what, Matrix m, Precision storage) {
        if (m.storage() != storage) {
            throw new IllegalArgumentException(what + " must be " + storage + ", got " + m);
        }
    }

    private static void requireRounding(Matrix out, Precision roundTo) {
        if (out.storage().isLow() && roundTo != out.storage()) {
            throw new IllegalArgumentException("a " + out.storage() + " result cannot be rounded to " + roundTo + " (" + out + ")");
        }
    }

    private static void requireMask(long[] mask, int count) {
        if (mask.length < (count + 63) >>> 6) {
            throw new IllegalArgumentException("a mask of " + mask.length + " words cannot hold " + count + " bits");
        }
    }
}
