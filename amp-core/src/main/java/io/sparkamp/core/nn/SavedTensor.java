package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/**
 * An activation kept for the backward pass: 16-bit codes in a mixed run (half the memory, as the
 * mixed-precision recipe requires), a float copy in an FP32 run.
 */
final class SavedTensor {
    private final Precision precision;
    private final short[] codes;
    private final float[] floats;

    private SavedTensor(Precision precision, short[] codes, float[] floats) {
        this.precision = precision;
        this.codes = codes;
        this.floats = floats;
    }

    /** Keeps {@code values[0..count)} in {@code precision}: rounded to codes when low, copied when FP32. */
    static SavedTensor keep(Precision precision, float[] values, int count) {
        if (precision.isLow()) {
            short[] codes = new short[count];
            LowPrecisionArrays.encode(precision, values, 0, codes, 0, count);
            return new SavedTensor(precision, codes, null);
        }
        float[] copy = new float[count];
        System.arraycopy(values, 0, copy, 0, count);
        return new SavedTensor(precision, null, copy);
    }

    /**
     * {@link #keep(Precision, float[], int)}, into the array of {@code reuse} (the caller's previous tensor, no longer
     * needed) when it holds {@code count} values of {@code precision}: no allocation per micro-batch.
     */
    static SavedTensor keep(Precision precision, float[] values, int count, SavedTensor reuse) {
        if (reuse == null || reuse.precision != precision || reuse.size() != count) {
            return keep(precision, values, count);
        }
        if (reuse.codes != null) {
            LowPrecisionArrays.encode(precision, values, 0, reuse.codes, 0, count);
        } else {
            System.arraycopy(values, 0, reuse.floats, 0, count);
        }
        return reuse;
    }

    /** Every value as a float (decoded when held as codes) into {@code dst[0..size())}. */
    void readInto(float[] dst) {
        if (codes != null) {
            LowPrecisionArrays.decode(precision, codes, 0, dst, 0, codes.length);
        } else {
            System.arraycopy(floats, 0, dst, 0, floats.length);
        }
    }

    /** A copy of {@code m}, whose values are {@code precision} values (codes, or FP32 in an FP32 run). */
    static SavedTensor of(Precision precision, Matrix m) {
        if (m.storage().isLow()) {
            return new SavedTensor(precision, m.toCodes(), null);
        }
        return precision.isLow() ? keep(precision, m.toFloats(), m.size()) : new SavedTensor(precision, null, m.toFloats());
    }

    Precision precision() {
        return precision;
    }

    boolean isLow() {
        return codes != null;
    }

    /** The 16-bit codes; only in mixed runs. */
    short[] codes() {
        if (codes == null) {
            throw new IllegalStateException("an FP32 saved activation has no 16-bit codes");
        }
        return codes;
    }

    /** The FP32 copy; only in FP32 runs. */
    float[] floats() {
        if (floats == null) {
            throw new IllegalStateException("a " + precision + " saved activation is held as codes, not floats");
        }
        return floats;
    }

    /** Value {@code i} as a float (decoded when held as a code). */
    float get(int i) {
        return codes != null ? precision.decode(codes[i]) : floats[i];
    }

    int size() {
        return codes != null ? codes.length : floats.length;
    }

    /** Bytes held: 2 per value in mixed runs, 4 in FP32 runs. */
    long bytes() {
        return codes != null ? 2L * codes.length : 4L * floats.length;
    }
}
