package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;

/**
 * One implementation of general matrix multiply with FP32 accumulation (docs/architecture.md §3).
 *
 * <p>All matrices are dense and row-major. {@code op(a)} is m×k: {@code a} is m×k, or k×m when
 * {@code transA}. {@code op(b)} is k×n: {@code b} is k×n, or n×k when {@code transB}. The result
 * {@code c} is m×n; with {@code accumulate} the product is added to what {@code c} holds, otherwise it
 * replaces it. Implementations must sum in an order that depends only on the shapes (runs are
 * reproducible to the bit) and need not check arguments: {@link Gemm} does that once.
 */
public interface GemmKernel {
    /** Short name shown in logs and metrics, e.g. "java". */
    String name();

    /** FP32 inputs, FP32 accumulation. */
    void gemm(boolean transA, boolean transB, int m, int n, int k,
              float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate);

    /** 16-bit inputs ({@code precision} FP16 or BF16 codes), FP32 accumulation, FP32 result. */
    void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
              short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate);
}
