package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;

/**
 * The weights one step computes with: the FP32 master cast once to the step's precision. In a
 * mixed run {@link #codes()} holds the 16-bit codes matrix multiplies read, and {@link #values()} the
 * same rounded numbers as floats for the FP32 ops (bias, norms). In an FP32 run there are no codes.
 */
public final class WorkingWeights {
    private final Precision precision;
    private final short[] codes;
    private final float[] values;

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
        short[] codes = LowPrecisionArrays.encode(precision, master);
        return new WorkingWeights(precision, codes, LowPrecisionArrays.decode(precision, codes));
    }

    /** Weights that arrived as 16-bit codes (e.g. a broadcast). */
    public static WorkingWeights fromCodes(short[] codes, Precision precision) {
        if (!precision.isLow()) {
            throw new IllegalArgumentException("16-bit weight codes need FP16 or BF16, got " + precision);
        }
        return new WorkingWeights(precision, codes, LowPrecisionArrays.decode(precision, codes));
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

    /** Every parameter as a float (already rounded to the step's precision). */
    public float[] values() {
        return values;
    }

    /** Number of parameters. */
    public int size() {
        return values.length;
    }
}
