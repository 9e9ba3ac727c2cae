package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

import java.nio.ByteBuffer;
import java.util.Arrays;

/** The plain loops: always there, always correct, one element at a time. */
final class ScalarElementwise implements ElementwiseKernel {
    /** Each thread's partial sums between a row sum's loop and its tree: two sets of eight for a layer norm's backward. */
    static final ThreadLocal<double[]> PARTIALS = ThreadLocal.withInitial(() -> new double[16]);

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void biasEpilogue(Matrix product, float[] bias, int biasOff, Precision roundTo, Matrix out, boolean relu,
                             long[] positive) {
        int cols = product.cols();
        for (int r = 0; r < product.rows(); r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                float v = roundTo.round(product.get(base + j) + bias[biasOff + j]);
                if (relu) {
                    int i = base + j;
                    boolean set = v > 0f;
                    if (!set) {
                        v = 0f;
                    }
                    if (positive != null) {
                        positive[i >>> 6] = set ? positive[i >>> 6] | 1L << i : positive[i >>> 6] & ~(1L << i);
                    }
                }
                put(out, base + j, roundTo, v);
            }
        }
    }

    @Override
    public void relu(Matrix in, Precision roundTo, Matrix out, long[] positive) {
        int count = in.size();
        Precision rounding = in.isExactIn(roundTo) ? Precision.FP32 : roundTo;
        for (int base = 0; base < count; base += 64) { // one mask word at a time: no per-element read-modify-write
            int end = Math.min(count, base + 64);
            long bits = 0;
            for (int i = base; i < end; i++) {
                float x = rounding.round(in.get(i)); // a 16-bit ReLU: the value rounded first, then its sign
                if (x > 0f) {
                    put(out, i, Precision.FP32, x);
                    bits |= 1L << (i - base);
                } else {
                    put(out, i, Precision.FP32, 0f);
                }
            }
            positive[base >>> 6] = bits;
        }
    }

    @Override
    public void maskScale(Matrix in, long[] mask, float scale, Precision roundTo, Matrix out) {
        for (int i = 0; i < in.size(); i++) {
            boolean set = (mask[i >>> 6] & (1L << i)) != 0;
            put(out, i, roundTo, set ? in.get(i) * scale : 0f);
        }
    }

    @Override
    public void maskPositive(Matrix in, Matrix of, Matrix out) {
        boolean codes = in.storage().isLow();
        for (int i = 0; i < in.size(); i++) { // the bits move as they are
            boolean keep = of.get(i) > 0f;
            if (codes) {
                out.buffer().putShort(i * 2, keep ? in.buffer().getShort(i * 2) : 0);
            } else {
                out.buffer().putInt(i * 4, keep ? in.buffer().getInt(i * 4) : 0);
            }
        }
    }

    @Override
    public void maskPositiveRound(Matrix in, Matrix of, Precision roundTo, Matrix out) {
        for (int i = 0; i < in.size(); i++) {
            put(out, i, roundTo, of.get(i) > 0f ? in.get(i) : 0f);
        }
    }

    @Override
    public void round(Matrix in, Precision roundTo, Matrix out) {
        for (int i = 0; i < in.size(); i++) {
            put(out, i, roundTo, in.get(i));
        }
    }

    @Override
    public CastCounts convert(Matrix in, Precision roundTo, Matrix out) {
        long nonZero = 0;
        long underflowed = 0;
        boolean inPlace = in == out;
        for (int i = 0; i < in.size(); i++) {
            float x = in.get(i);
            if (!inPlace) {
                put(out, i, roundTo, x);
            }
            if (x != 0f) {
                nonZero++;
                if (out.get(i) == 0f) {
                    underflowed++;
                }
            }
        }
        return new CastCounts(nonZero, underflowed);
    }

    @Override
    public long addColumnSums(Matrix in, Matrix dst) {
        int cols = in.cols();
        double[] sums = new double[cols];
        long nonZero = 0;
        for (int r = 0; r < in.rows(); r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                float v = in.get(base + j);
                sums[j] += v;
                if (v != 0f) {
                    nonZero++;
                }
            }
        }
        ByteBuffer d = dst.buffer();
        for (int j = 0; j < cols; j++) {
            d.putFloat(j * 4, (float) (d.getFloat(j * 4) + sums[j]));
        }
        return nonZero;
    }

    @Override
    public void exp(float[] values, int off, int count) {
        for (int i = off; i < off + count; i++) {
            values[i] = FloatExp.exp(values[i]);
        }
    }

    @Override
    public void normalizeRow(float[] x, int off, int count, double mean, double rstd, float[] params, int gammaOff, int betaOff,
                             float[] xhat, float[] out) {
        for (int j = 0; j < count; j++) {
            double n = (x[off + j] - mean) * rstd;
            xhat[off + j] = (float) n;
            out[off + j] = (float) (params[gammaOff + j] * n + params[betaOff + j]);
        }
    }

    @Override
    public void accumulateNormGradients(float[] dy, float[] xhat, int off, int count, double[] gammaGrad, double[] betaGrad) {
        for (int j = 0; j < count; j++) {
            double g = dy[off + j];
            gammaGrad[j] += g * xhat[off + j];
            betaGrad[j] += g;
        }
    }

    @Override
    public double sum(float[] values, int off, int count) {
        return Reductions.sum(values, off, count);
    }

    @Override
    public double sumOfSquaredDeviations(float[] values, int off, int count, double mean) {
        return Reductions.sumOfSquaredDeviations(values, off, count, mean);
    }

    @Override
    public void normGradientSums(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff, double[] sums) {
        double[] partials = PARTIALS.get();
        Arrays.fill(partials, 0.0);
        normGradientSumsFrom(0, dy, xhat, off, count, params, gammaOff, partials);
        sums[0] = Reductions.partialSumsTotal(partials, 0);
        sums[1] = Reductions.partialSumsTotal(partials, 8);
    }

    /**
     * {@link #normGradientSums} for {@code j} in {@code [from, count)} on top of the partial sums already in
     * {@code partials} (0-7: the d_j, 8-15: the d_j · xhat), value j into partial j mod 8: also the vector loop's tail.
     */
    static void normGradientSumsFrom(int from, float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff,
                                     double[] partials) {
        for (int j = from; j < count; j++) {
            double d = dy[off + j] * (double) params[gammaOff + j];
            partials[j & 7] += d;
            partials[8 + (j & 7)] += d * xhat[off + j];
        }
    }

    @Override
    public void normGradientRow(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff, double meanGrad,
                                double meanGradTimesXhat, double rstd) {
        for (int j = 0; j < count; j++) {
            double dxhat = dy[off + j] * (double) params[gammaOff + j];
            dy[off + j] = (float) (rstd * (dxhat - meanGrad - xhat[off + j] * meanGradTimesXhat));
        }
    }

    /** Stores {@code value} at {@code i}: encoded when {@code out} holds codes, else rounded to {@code roundTo}. */
    private static void put(Matrix out, int i, Precision roundTo, float value) {
        if (out.storage().isLow()) {
            out.buffer().putShort(i * 2, out.storage().encode(value));
        } else {
            out.buffer().putFloat(i * 4, roundTo.round(value));
        }
    }

    @Override
    public void smooth(SmoothFunction f, float[] values, int off, int count) {
        for (int i = off; i < off + count; i++) {
            values[i] = (float) f.value(values[i]);
        }
    }

    @Override
    public void smoothGradient(SmoothFunction f, float[] grads, float[] inputs, int off, int count) {
        for (int i = off; i < off + count; i++) {
            grads[i] = (float) (grads[i] * f.derivative(inputs[i]));
        }
    }
}
