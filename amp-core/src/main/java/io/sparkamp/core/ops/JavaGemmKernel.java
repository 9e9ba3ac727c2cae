package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.HalfArrays;
import io.sparkamp.core.numeric.Precision;

/**
 * The portable kernel, always available and always correct. 16-bit inputs are widened to FP32 panels
 * (exactly: every FP16/BF16 value is a float) and multiplied in FP32; products of two 16-bit values are
 * exact in FP32, so only the accumulation rounds. Blocked over k and n so a panel of B stays in cache;
 * the inner loop runs over contiguous columns, which the JIT vectorizes.
 */
public final class JavaGemmKernel implements GemmKernel {
    private static final int K_BLOCK = 256;
    private static final int N_BLOCK = 512;

    private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

    @Override
    public String name() {
        return "java";
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        Scratch s = scratch.get();
        float[] aRows = a;
        int aStart = aOff;
        if (transA) {
            aRows = s.a(m * k);
            transpose(a, aOff, k, m, aRows);
            aStart = 0;
        }
        float[] bRows = b;
        int bStart = bOff;
        if (transB) {
            bRows = s.b(k * n);
            transpose(b, bOff, n, k, bRows);
            bStart = 0;
        }
        multiplyRowMajor(m, n, k, aRows, aStart, bRows, bStart, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        Scratch s = scratch.get();
        float[] aRows = s.a(m * k);
        if (transA) {
            widenTransposed(precision, a, aOff, k, m, aRows);
        } else {
            HalfArrays.decode(precision, a, aOff, aRows, 0, m * k);
        }
        float[] bRows = s.b(k * n);
        if (transB) {
            widenTransposed(precision, b, bOff, n, k, bRows);
        } else {
            HalfArrays.decode(precision, b, bOff, bRows, 0, k * n);
        }
        multiplyRowMajor(m, n, k, aRows, 0, bRows, 0, c, cOff, accumulate);
    }

    /** c[m×n] (+)= a[m×k] · b[k×n], all row-major and contiguous. */
    static void multiplyRowMajor(int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                                 float[] c, int cOff, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
        }
        for (int n0 = 0; n0 < n; n0 += N_BLOCK) {
            int n1 = Math.min(n, n0 + N_BLOCK);
            for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
                int k1 = Math.min(k, k0 + K_BLOCK);
                for (int i = 0; i < m; i++) {
                    int aRow = aOff + i * k;
                    int cRow = cOff + i * n;
                    for (int p = k0; p < k1; p++) {
                        float aip = a[aRow + p];
                        int bRow = bOff + p * n;
                        for (int j = n0; j < n1; j++) {
                            c[cRow + j] += aip * b[bRow + j];
                        }
                    }
                }
            }
        }
    }

    /** dst (cols×rows) = transpose of src (rows×cols). */
    private static void transpose(float[] src, int off, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            for (int col = 0; col < cols; col++) {
                dst[col * rows + r] = src[base + col];
            }
        }
    }

    private static void widenTransposed(Precision precision, short[] src, int off, int rows, int cols, float[] dst) {
        for (int r = 0; r < rows; r++) {
            int base = off + r * cols;
            for (int col = 0; col < cols; col++) {
                dst[col * rows + r] = precision.decode(src[base + col]);
            }
        }
    }

    /** Grow-only per-thread panels, so steady-state steps allocate nothing. */
    private static final class Scratch {
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
