package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.memory.BufferAllocator;

/** Creates {@link ArrowMatrix} instances. */
public final class ArrowMatrices {
    private ArrowMatrices() {
    }

    /** A zero-filled rows×cols matrix in a new child allocator of {@code parent} named {@code name}. */
    public static ArrowMatrix allocate(BufferAllocator parent, String name, Precision precision, int rows, int cols) {
        return ListMatrix.allocate(parent, name, precision, rows, cols);
    }

    /** A matrix holding {@code rowMajor} (rows×cols values) rounded to nearest-even in {@code precision}. */
    public static ArrowMatrix fromRowsRoundingToNearestEven(BufferAllocator parent, String name, Precision precision,
                                                            int rows, int cols, float[] rowMajor) {
        if (rowMajor.length != (long) rows * cols) {
            throw new IllegalArgumentException("matrix '" + name + "': " + rows + "x" + cols + " needs " + (long) rows * cols
                    + " values, got " + rowMajor.length);
        }
        ListMatrix matrix = ListMatrix.allocate(parent, name, precision, rows, cols);
        matrix.writeRowsRoundingToNearestEven(0, rows, rowMajor, 0);
        return matrix;
    }
}
