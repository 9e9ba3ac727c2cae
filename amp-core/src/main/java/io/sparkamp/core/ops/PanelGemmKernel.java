package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;

/**
 * The shared front of the pure-Java kernels: bring both operands into row-major FP32 panels (16-bit
 * codes widened exactly, transposes resolved, per-thread scratch reused) and hand them to the one
 * multiply loop a subclass implements.
 */
abstract class PanelGemmKernel implements GemmKernel {
    private final ThreadLocal<Panels.Scratch> scratch = ThreadLocal.withInitial(Panels.Scratch::new);

    @Override
    public final void gemm(boolean transA, boolean transB, int m, int n, int k,
                           float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        Panels.Scratch s = scratch.get();
        Panels.Panel aRows = Panels.a(s, transA, m, k, a, aOff);
        Panels.Panel bRows = Panels.b(s, transB, k, n, b, bOff);
        multiply(m, n, k, aRows.values(), aRows.offset(), bRows.values(), bRows.offset(), c, cOff, accumulate);
    }

    @Override
    public final void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                           short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        Panels.Scratch s = scratch.get();
        float[] aRows = Panels.a(s, precision, transA, m, k, a, aOff);
        float[] bRows = Panels.b(s, precision, transB, k, n, b, bOff);
        multiply(m, n, k, aRows, 0, bRows, 0, c, cOff, accumulate);
    }

    /** c[m×n] (+)= a[m×k] · b[k×n], all row-major and contiguous, in an order fixed by the shapes. */
    abstract void multiply(int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
                           boolean accumulate);
}
