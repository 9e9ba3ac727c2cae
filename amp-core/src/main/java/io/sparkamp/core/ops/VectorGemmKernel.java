package io.sparkamp.core.ops;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * GEMM on the Vector API (jdk.incubator.vector). Loaded by name from {@link GemmProviders} only where the
 * module is in the boot layer, so nothing else in amp-core refers to the incubator.
 *
 * <p>Operands go through the same {@link Panels} as {@link JavaGemmKernel} (16-bit codes widened exactly
 * to FP32). Each c[i][j] is then one chain of fused multiply-adds over p = 0..k-1 in order, starting
 * from 0 or from the old c: register tiles of 4 rows × 2 vectors, then 1 vector, then a zero-padded panel for the last columns,
 * and k blocks that store and reload c exactly. The order, and so every bit of the result, depends only
 * on the shapes, not on the vector width or on which tile computed an element. FMA rounds once per
 * step where {@link JavaGemmKernel} rounds the product and the sum, so the two differ in the last bits;
 * both stay within {@code GemmKernelContract}'s bound (k + 2)·2^-24·Σ|a||b| (fused steps only tighten
 * the recursive-summation bound it is derived from).
 */
final class VectorGemmKernel extends PanelGemmKernel {
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = SPECIES.length();
    private static final int K_BLOCK = 256;

    @Override
    public String name() {
        return "vector";
    }

    /** Lanes of a float vector on this JVM and CPU, for the selection log. */
    static int lanes() {
        return LANES;
    }

    @Override
    void multiply(int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                         float[] c, int cOff, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
        }
        for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
            int k1 = Math.min(k, k0 + K_BLOCK);
            int j = 0;
            // A strip of B (k block × 2 vectors) stays in L1 while every row tile of A passes over it.
            for (; j + 2 * LANES <= n; j += 2 * LANES) {
                int i = 0;
                for (; i + 4 <= m; i += 4) {
                    tile4x2(k, n, k0, k1, a, aOff + i * k, b, bOff + j, c, cOff + i * n + j);
                }
                for (; i < m; i++) {
                    tile1x2(k0, k1, n, a, aOff + i * k, b, bOff + j, c, cOff + i * n + j);
                }
            }
            for (; j + LANES <= n; j += LANES) {
                strip1(m, k, k0, k1, a, aOff, b, bOff + j, n, c, cOff + j, n);
            }
            if (j < n) {
                paddedTail(m, n, k, k0, k1, j, a, aOff, b, bOff, c, cOff);
            }
        }
    }

    /** One vector of columns of every row: 4-row tiles, then single rows. */
    private static void strip1(int m, int k, int k0, int k1, float[] a, int aOff, float[] b, int b0, int bStride,
                               float[] c, int c0, int cStride) {
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            tile4x1(k, k0, k1, a, aOff + i * k, b, b0, bStride, c, c0 + i * cStride, cStride);
        }
        for (; i < m; i++) {
            tile1x1(k0, k1, a, aOff + i * k, b, b0, bStride, c, c0 + i * cStride);
        }
    }

    /**
     * The last n - j (< LANES) columns. JDK 17 runs masked vector loads and stores in a slow Java fallback
     * (AVX-512 masking came with JDK 18), so the columns are copied into zero-padded panels one vector
     * wide and multiplied unmasked; each element still gets the same FMA chain, the padding lanes are
     * discarded.
     */
    private static void paddedTail(int m, int n, int k, int k0, int k1, int j, float[] a, int aOff,
                                   float[] b, int bOff, float[] c, int cOff) {
        int width = n - j;
        float[] bPad = new float[(k1 - k0) * LANES];
        for (int p = k0; p < k1; p++) {
            System.arraycopy(b, bOff + p * n + j, bPad, (p - k0) * LANES, width);
        }
        float[] cPad = new float[m * LANES];
        for (int i = 0; i < m; i++) {
            System.arraycopy(c, cOff + i * n + j, cPad, i * LANES, width);
        }
        // b index is b0 + p * LANES for p in [k0, k1): b0 = -k0 * LANES points the panel's row 0 at p = k0.
        strip1(m, k, k0, k1, a, aOff, bPad, -k0 * LANES, LANES, cPad, 0, LANES);
        for (int i = 0; i < m; i++) {
            System.arraycopy(cPad, i * LANES, c, cOff + i * n + j, width);
        }
    }

    /** Rows a0..a0+3 (stride k) times 2 vectors of columns of b (stride n), into c (stride n). */
    private static void tile4x2(int k, int n, int k0, int k1, float[] a, int a0, float[] b, int b0, float[] c, int c0) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int c1 = c0 + n;
        int c2 = c1 + n;
        int c3 = c2 + n;
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        FloatVector c10 = FloatVector.fromArray(SPECIES, c, c1);
        FloatVector c11 = FloatVector.fromArray(SPECIES, c, c1 + LANES);
        FloatVector c20 = FloatVector.fromArray(SPECIES, c, c2);
        FloatVector c21 = FloatVector.fromArray(SPECIES, c, c2 + LANES);
        FloatVector c30 = FloatVector.fromArray(SPECIES, c, c3);
        FloatVector c31 = FloatVector.fromArray(SPECIES, c, c3 + LANES);
        for (int p = k0; p < k1; p++) {
            int bRow = b0 + p * n;
            FloatVector b0v = FloatVector.fromArray(SPECIES, b, bRow);
            FloatVector b1v = FloatVector.fromArray(SPECIES, b, bRow + LANES);
            FloatVector av = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = av.fma(b0v, c00);
            c01 = av.fma(b1v, c01);
            av = FloatVector.broadcast(SPECIES, a[a1 + p]);
            c10 = av.fma(b0v, c10);
            c11 = av.fma(b1v, c11);
            av = FloatVector.broadcast(SPECIES, a[a2 + p]);
            c20 = av.fma(b0v, c20);
            c21 = av.fma(b1v, c21);
            av = FloatVector.broadcast(SPECIES, a[a3 + p]);
            c30 = av.fma(b0v, c30);
            c31 = av.fma(b1v, c31);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
        c10.intoArray(c, c1);
        c11.intoArray(c, c1 + LANES);
        c20.intoArray(c, c2);
        c21.intoArray(c, c2 + LANES);
        c30.intoArray(c, c3);
        c31.intoArray(c, c3 + LANES);
    }

    private static void tile1x2(int k0, int k1, int n, float[] a, int a0, float[] b, int b0, float[] c, int c0) {
        FloatVector c00 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector c01 = FloatVector.fromArray(SPECIES, c, c0 + LANES);
        for (int p = k0; p < k1; p++) {
            int bRow = b0 + p * n;
            FloatVector av = FloatVector.broadcast(SPECIES, a[a0 + p]);
            c00 = av.fma(FloatVector.fromArray(SPECIES, b, bRow), c00);
            c01 = av.fma(FloatVector.fromArray(SPECIES, b, bRow + LANES), c01);
        }
        c00.intoArray(c, c0);
        c01.intoArray(c, c0 + LANES);
    }

    /** Rows a0..a0+3 (stride k) times one vector of columns of b (row stride bStride), into c (row stride cStride). */
    private static void tile4x1(int k, int k0, int k1, float[] a, int a0, float[] b, int b0, int bStride,
                                float[] c, int c0, int cStride) {
        int a1 = a0 + k;
        int a2 = a1 + k;
        int a3 = a2 + k;
        int c1 = c0 + cStride;
        int c2 = c1 + cStride;
        int c3 = c2 + cStride;
        FloatVector r0 = FloatVector.fromArray(SPECIES, c, c0);
        FloatVector r1 = FloatVector.fromArray(SPECIES, c, c1);
        FloatVector r2 = FloatVector.fromArray(SPECIES, c, c2);
        FloatVector r3 = FloatVector.fromArray(SPECIES, c, c3);
        for (int p = k0; p < k1; p++) {
            FloatVector bv = FloatVector.fromArray(SPECIES, b, b0 + p * bStride);
            r0 = FloatVector.broadcast(SPECIES, a[a0 + p]).fma(bv, r0);
            r1 = FloatVector.broadcast(SPECIES, a[a1 + p]).fma(bv, r1);
            r2 = FloatVector.broadcast(SPECIES, a[a2 + p]).fma(bv, r2);
            r3 = FloatVector.broadcast(SPECIES, a[a3 + p]).fma(bv, r3);
        }
        r0.intoArray(c, c0);
        r1.intoArray(c, c1);
        r2.intoArray(c, c2);
        r3.intoArray(c, c3);
    }

    private static void tile1x1(int k0, int k1, float[] a, int a0, float[] b, int b0, int bStride, float[] c, int c0) {
        FloatVector r = FloatVector.fromArray(SPECIES, c, c0);
        for (int p = k0; p < k1; p++) {
            r = FloatVector.broadcast(SPECIES, a[a0 + p]).fma(FloatVector.fromArray(SPECIES, b, b0 + p * bStride), r);
        }
        r.intoArray(c, c0);
    }
}
