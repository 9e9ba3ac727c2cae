package io.sparkamp.core.data;

import io.sparkamp.core.numeric.Precision;

import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * Rows of one partition of training data, read by index. Local runs back it with float arrays, Spark
 * executors with cached Arrow batches; the training step only sees this interface.
 */
public interface RowSource {
    /** Number of rows. */
    int rowCount();

    /** Feature values per row. */
    int featureCount();

    /** Target values per row (1 for a class index). */
    int targetWidth();

    /** Copies the features of {@code row} as floats into {@code dst[off..off + featureCount())}. */
    void copyFeatures(int row, float[] dst, int off);

    /** Copies the targets of {@code row} into {@code dst[off..off + targetWidth())}. */
    void copyTargets(int row, float[] dst, int off);

    /**
     * How {@link #gatherFeatures} holds the values: {@link Precision#FP32}, or the FP16/BF16 codes the rows
     * are stored as (then handed on without widening).
     */
    default Precision featureStorage() {
        return Precision.FP32;
    }

    /**
     * Copies the features of rows {@code rows[from..from + count)} into {@code dst} (native byte order), row
     * {@code i} at element {@code i · featureCount()}, held as {@link #featureStorage()}. The default copies
     * row by row through {@link #copyFeatures}.
     */
    default void gatherFeatures(int[] rows, int from, int count, ByteBuffer dst) {
        int width = featureCount();
        float[] row = new float[width];
        FloatBuffer floats = dst.asFloatBuffer();
        for (int i = 0; i < count; i++) {
            copyFeatures(rows[from + i], row, 0);
            floats.put(i * width, row);
        }
    }
}
