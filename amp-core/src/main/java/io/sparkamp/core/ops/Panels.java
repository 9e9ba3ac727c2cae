package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;

/**
 * Brings GEMM operands into the one layout the Java kernels multiply: contiguous row-major FP32 panels
 * ({@code op(a)} m×k, {@code op(b)} k×n). 16-bit codes are widened exactly (every FP16/BF16 value is a
 * float), so a kernel that works on the panels sees the same numbers as one that reads the codes.
 * Shared by {@link JavaGemmKernel} and the Vector API kernel so both start from identical panels.
 */
final class Panels {
    private Panels() {
    }

    /** A row-major panel and where it starts: the caller's array when no copy was needed. */
    record Panel(float[] values, int offset) {
    }

    /** op(a) as an m×k row-major panel; copies only when {@code transA}. */
    static Panel a(Scratch s, boolean transA, int m, int k, float[] a, int aOff) {
        if (!transA) {
            return new Panel(a, aOff);
        }
        float[] rows = s.a(m * k);
        transpose(a, aOff, k, m, rows);
        return new Panel(rows, 0);
    }

    /** op(b) as a k×n row-major panel; copies only when {@code transB}. */
    static Panel b(Scratch s, boolean transB, int k, int n, float[] b, int bOff) {
        if (!transB) {
            return new Panel(b, bOff);
        }
        float[] rows = s.b(k * n);
        transpose(b, bOff, n, k, rows);
        return new Panel(rows, 0);
    }

    /** op(a) widened to an m×k row-major FP32 panel (always a copy into the scratch). */
    static float[] a(Scratch s, Precision precision, boolean transA, int m, int k, short[] a, int aOff) {
        float[] rows = s.a(m * k);
        widen(precision, transA, a, aOff, m, k, rows);
        return rows;
    }

    /** op(b) widened to a k×n row-major FP32 panel (always a copy into the scratch). */
    static float[] b(Scratch s, Precision precision, boolean transB, int k, int n, short[] b, int bOff) {
        float[] rows = s.b(k * n);
        widen(precision, transB, b, bOff, k, n, rows);
        return rows;
    }

    /** dst (rows×cols, row-major) = op(src) widened, where src is rows×cols or, transposed, cols×rows. */
    private static void widen(Precision precision, boolean transposed, short[] src, int off, int rows, int cols, float[] dst) {
        if (transposed) {
            widenTransposed(precision, src, off, cols, rows, dst);
        } else {
            LowPrecisionArrays.decode(precision, src, off, dst, 0, rows * cols);
        }
    }

    /** dst (cols×rows) = transpose of src (rows×cols). */
    static void transpose(float[] src, int off, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            for (int col = 0; col < cols; col++) {
                dst[col * rows + r] = src[base + col];
            }
        }
    }

    /** dst (cols×rows) = transpose of src (rows×cols), widened. */
    static void widenTransposed(Precision precision, short[] src, int off, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            for (int col = 0; col < cols; col++) {
                dst[col * rows + r] = precision.decode(src[base + col]);
            }
        }
    }

    /** Grow-only per-thread panels, so steady-state steps allocate nothing. */
    static final class Scratch {
        private float[] a = new float[0];
        private float[] b = new float[0];

        float[] a(int size) {
            if (a.length < size) {
                a = new float[size];
            }
            return a;
        }

        float[] b(int size) {
            if (b.length < size) {
                b = new float[size];
            }
            return b;
        }
    }
}
