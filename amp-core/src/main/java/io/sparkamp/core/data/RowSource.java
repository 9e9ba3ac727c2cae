package io.sparkamp.core.data;

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
}
