package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;

/**
 * The weights one step computes with: the FP32 master cast once to the step's precision. In a
 * mixed run {@link #codes()} holds the 16-bit codes matrix multiplies read, and {@link #values()} the
 * same rounded numbers as floats for the FP32 ops (bias, norms). In an FP32 run there are no codes.
 *
 * <p>In a mixed run the floats are decoded from the codes the first time someone asks for all of them:
 * a model of Linear layers and ReLUs only reads its biases ({@link #copyValues}), so neither the driver
 * that casts the weights nor the tasks that multiply with them decode (and allocate) every parameter at
 * every step. Safe to share between the threads of a step.
 */
public final class WorkingWeights {
    private final Precision precision;
    private final short[] codes;
    private volatile float[] values;

    private WorkingWeights(Precision precision, short[] codes, float[] values) {
        this.precision = precision;
        this.codes = codes;
        this.values = values;
    }

    /** Casts the master weights to {@code precision} (rounding to nearest-even). */
    public static WorkingWeights cast(float[] master, Precision precision) {
        if (!precision.isLow()) {
            return new WorkingWeights(precision, null, master.clone());
        }
        return new WorkingWeights(precision, LowPrecisionArrays.encode(precision, master), null);
    }

    /** Weights that arrived as 16-bit codes (e.g. a broadcast). */
    public static WorkingWeights fromCodes(short[] codes, Precision precision) {
        if (!precision.isLow()) {
            throw new IllegalArgumentException("16-bit weight codes need FP16 or BF16, got " + precision);
        }
        return new WorkingWeights(precision, codes, null);
    }

    /** Weights that arrived as FP32 values (an FP32 run). */
    public static WorkingWeights fromFloats(float[] values) {
        return new WorkingWeights(Precision.FP32, null, values);
    }

    public Precision precision() {
        return precision;
    }

    /** 16-bit codes of every parameter; only in mixed runs. */
    public short[] codes() {
        if (codes == null) {
            throw new IllegalStateException("FP32 working weights have no 16-bit codes");
        }
        return codes;
    }

    /** Every parameter as a float (already rounded to the step's precision); decoded once, on first use. */
    public float[] values() {
        float[] v = values;
        if (v == null) {
            synchronized (this) {
                v = values;
                if (v == null) {
                    v = LowPrecisionArrays.decode(precision, codes);
                    values = v;
                }
            }
        }
        return v;
    }

    /** Copies {@code count} parameters from {@code offset} as floats into {@code dst} (decoding only those). */
    public void copyValues(int offset, float[] dst, int dstOff, int count) {
        if (offset < 0 || count < 0 || (long) offset + count > size() || dstOff < 0 || (long) dstOff + count > dst.length) {
            throw new IndexOutOfBoundsException(count + " parameters at " + offset + " of " + size() + " into "
                    + dst.length + " floats at " + dstOff);
        }
        float[] v = values;
        if (v != null) {
            System.arraycopy(v, offset, dst, dstOff, count);
        } else {
            LowPrecisionArrays.decode(precision, codes, offset, dst, dstOff, count);
        }
    }

    /** Number of parameters. */
    public int size() {
        return codes != null ? codes.length : values.length;
    }
}
