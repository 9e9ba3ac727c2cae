package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Precision;

/**
 * A dense row-major matrix in Arrow off-heap memory: FP16 as {@code FixedSizeList<Float2>}, BF16 as
 * {@code FixedSizeList<sparkamp.bfloat16>} ({@link Bf16Type}), FP32 as {@code FixedSizeList<Float4>}; one
 * list entry is one row. The matrix owns a child allocator of the one it was made from; {@link #close()}
 * frees everything. Range errors name the matrix and the range.
 */
public interface ArrowMatrix extends AutoCloseable {
    String name();

    int rows();

    int cols();

    Precision precision();

    /** Copies rows {@code [firstRow, firstRow + rowCount)} as 16-bit codes into {@code dst[dstOff..]}; FP16/BF16 only. */
    void readCodes(int firstRow, int rowCount, short[] dst, int dstOff);

    /** Copies rows {@code [firstRow, firstRow + rowCount)} as exact floats into {@code dst[dstOff..]}. */
    void readFloats(int firstRow, int rowCount, float[] dst, int dstOff);

    /**
     * Copies rows {@code [firstRow, firstRow + rowCount)} as stored (16-bit codes, or FP32 values) to
     * element {@code dstIndex} of {@code dst} (native byte order): a memory copy, nothing converted.
     */
    void copyRowsTo(int firstRow, int rowCount, java.nio.ByteBuffer dst, int dstIndex);

    /** Stores 16-bit codes as they are into rows {@code [firstRow, firstRow + rowCount)}; FP16/BF16 only. */
    void writeCodes(int firstRow, int rowCount, short[] src, int srcOff);

    /**
     * Stores {@code rowCount} row-major rows of floats from {@code src[srcOff..]}, rounding each to the
     * nearest value of {@link #precision()} (ties to even; NaN stays NaN, overflow gives ±inf). Exact for FP32.
     */
    void writeRowsRoundingToNearestEven(int firstRow, int rowCount, float[] src, int srcOff);

    /** Stores one row; {@code values.length} must equal {@link #cols()}. Rounds as {@link #writeRowsRoundingToNearestEven}. */
    void writeRowRoundingToNearestEven(int row, float[] values);

    /** Off-heap bytes this matrix holds now (its allocator's allocated memory). */
    long bytesUsed();

    /** Frees the matrix's buffers and closes its allocator; later calls fail. Idempotent. */
    @Override
    void close();
}
