package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

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

    /**
     * A {@code precision} multiply of {@link Matrix} operands: {@code a} and {@code b} held alike, as
     * {@code precision} (FP16/BF16 codes: 16-bit inputs, FP32 accumulation) or as FP32 values (for a 16-bit
     * multiply, values already rounded to it; see {@link #operandStorage}); {@code c} FP32, or {@code precision}
     * codes where {@link #roundsProduct} says so (never when accumulating); shapes as in the array forms. The default copies through heap arrays; a kernel that reads off-heap memory in place
     * overrides it.
     */
    default void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                      Matrix a, Matrix b, Matrix c, boolean accumulate) {
        HeapOperands.gemm(this, transA, transB, m, n, k, a, b, c, accumulate);
    }

    /**
     * How callers should hold the operands of a {@code precision} multiply for this kernel to run it
     * fastest: {@code precision} itself (16-bit codes), or FP32 when the kernel computes 16-bit inputs in
     * FP32 anyway (the values stay rounded to {@code precision}; only the storage is wider).
     */
    default Precision operandStorage(Precision precision) {
        return precision;
    }

    /**
     * Whether the {@link Matrix} form can write the FP32-accumulated product of a {@code precision} multiply
     * straight as {@code precision} codes, rounded once to nearest even by the kernel: a 16-bit result is
     * then half the bytes to write and to read back, and needs no rounding pass of its own. A kernel that
     * says yes must give the bits {@code precision.round} gives the FP32 product, except that it may flush
     * results below the smallest normal to zero (a native BF16 conversion does).
     */
    default boolean roundsProduct(Precision precision) {
        return false;
    }

    /**
     * Whether {@link #gemmBias} adds the bias (and applies a ReLU) inside a {@code precision} multiply, as the
     * FP32 accumulator is stored, instead of in a pass of its own over the result. Operands, bias and result are
     * held as {@link #operandStorage}{@code (precision)}: FP32 in an FP32 multiply; 16-bit codes where the kernel
     * multiplies them (it then also {@link #roundsProduct}s); FP32 values where it computes 16-bit inputs in FP32.
     */
    default boolean fusesBias(Precision precision) {
        return false;
    }

    /**
     * {@code c = op(a)·op(b) + bias}, and with {@code relu} {@code max(.., 0)} (NaN and -0 give +0), for a
     * {@code precision} multiply: {@code bias} is 1×n, added to every row of the FP32 accumulator. All four held as
     * {@link #operandStorage}{@code (precision)}. A result held as 16-bit codes is that sum rounded once to nearest
     * even (a kernel may flush results below the smallest normal to zero, as with {@link #roundsProduct}); a result
     * held as FP32 is the sum as FP32 computes it, which in a 16-bit multiply the caller still rounds. The bits are
     * those of the FP32 product, the bias then added in FP32 and the ReLU applied: what a separate pass gives. Only
     * where {@link #fusesBias} says yes.
     */
    default void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                          Matrix bias, boolean relu, Matrix c) {
        throw new UnsupportedOperationException("GEMM kernel " + name() + " does not add a bias in its " + precision
                + " multiply");
    }
}
