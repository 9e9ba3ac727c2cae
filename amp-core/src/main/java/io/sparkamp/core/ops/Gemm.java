package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

import java.util.Objects;

/**
 * The facade every layer calls: checks shapes and array bounds once, then runs the chosen kernel.
 * Errors name the operand and the shapes, so a wrong model spec fails with a readable message.
 */
public final class Gemm {
    private final GemmKernel kernel;

    public Gemm(GemmKernel kernel) {
        this.kernel = Objects.requireNonNull(kernel, "kernel");
    }

    /** The kernel calls go to. */
    public GemmKernel kernel() {
        return kernel;
    }

    /** FP32 inputs; see {@link GemmKernel} for the layout. */
    public void multiply(boolean transA, boolean transB, int m, int n, int k,
                         float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        checkShapes(m, n, k, a.length, aOff, b.length, bOff, c.length, cOff);
        kernel.gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    /** 16-bit inputs with FP32 accumulation; see {@link GemmKernel} for the layout. */
    public void multiply(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                         short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        if (!precision.isLow()) {
            throw new IllegalArgumentException("16-bit gemm needs FP16 or BF16 operands, got " + precision);
        }
        checkShapes(m, n, k, a.length, aOff, b.length, bOff, c.length, cOff);
        kernel.gemm(precision, transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    /**
     * A {@code precision} multiply of matrices (see {@link GemmKernel#gemm(Precision, boolean, boolean, int,
     * int, int, Matrix, Matrix, Matrix, boolean)}): off-heap operands are read in place by kernels that can.
     */
    public void multiply(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                         Matrix a, Matrix b, Matrix c, boolean accumulate) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative shape m=" + m + " n=" + n + " k=" + k);
        }
        requireSize("A", a, (long) m * k, m + "x" + k);
        requireSize("B", b, (long) k * n, k + "x" + n);
        requireSize("C", c, (long) m * n, m + "x" + n);
        if (c.storage() != Precision.FP32 && (c.storage() != precision || accumulate || !kernel.roundsProduct(precision))) {
            throw new IllegalArgumentException("gemm: the result is FP32" + (roundsProduct(precision) ? " (or " + precision
                    + " codes when not accumulating)" : "") + ", got " + c);
        }
        if (a.storage() != b.storage() || (a.storage() != precision && a.storage() != Precision.FP32)) {
            throw new IllegalArgumentException("gemm: a " + precision + " multiply needs both operands as " + precision
                    + " or both as FP32, got " + a + " and " + b);
        }
        kernel.gemm(precision, transA, transB, m, n, k, a, b, c, accumulate);
    }

    /**
     * A {@code precision} multiply with the bias added and, with {@code relu}, a ReLU applied in the kernel (see
     * {@link GemmKernel#gemmBias}); only where {@link #fusesBias} says the kernel does that. Every matrix is held as
     * {@link #operandStorage}{@code (precision)}: a 16-bit result held as codes is rounded once, one held as FP32 is
     * the FP32 sum, for the caller to round.
     */
    public void multiplyAddBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                                Matrix bias, boolean relu, Matrix c) {
        if (!kernel.fusesBias(precision)) {
            throw new IllegalStateException("gemm: kernel " + kernel.name() + " does not add a bias in its " + precision
                    + " multiply");
        }
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative shape m=" + m + " n=" + n + " k=" + k);
        }
        requireSize("A", a, (long) m * k, m + "x" + k);
        requireSize("B", b, (long) k * n, k + "x" + n);
        requireSize("C", c, (long) m * n, m + "x" + n);
        requireSize("bias", bias, n, "1x" + n);
        Precision held = kernel.operandStorage(precision);
        requireStorage(precision, held, a);
        requireStorage(precision, held, b);
        requireStorage(precision, held, bias);
        requireStorage(precision, held, c);
        kernel.gemmBias(precision, transA, transB, m, n, k, a, b, bias, relu, c);
    }

    /** Whether the kernel adds a bias (and a ReLU) in a {@code precision} multiply (see {@link GemmKernel#fusesBias}). */
    public boolean fusesBias(Precision precision) {
        return kernel.fusesBias(precision);
    }

    /** How the kernel wants the operands of a {@code precision} multiply held (see {@link GemmKernel#operandStorage}). */
    public Precision operandStorage(Precision precision) {
        return kernel.operandStorage(precision);
    }

    /** Whether a {@code precision} product may be asked for as {@code precision} codes (see {@link GemmKernel#roundsProduct}). */
    public boolean roundsProduct(Precision precision) {
        return precision.isLow() && kernel.roundsProduct(precision);
    }

    /** Every matrix of a multiply with a bias is held as the kernel's operands are (checked one by one: this runs at every Linear forward). */
    private static void requireStorage(Precision precision, Precision held, Matrix m) {
        if (m.storage() != held) {
            throw new IllegalArgumentException("gemm: a " + precision + " multiply with a bias takes " + held
                    + " operands, bias and result here, got " + m);
        }
    }

    private static void requireSize(String operand, Matrix m, long size, String shape) {
        if (m.size() != size) {
            throw new IllegalArgumentException("gemm: operand " + operand + " of shape " + shape + " got " + m);
        }
    }

    private static void checkShapes(int m, int n, int k, int aLen, int aOff, int bLen, int bOff, int cLen, int cOff) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: negative shape m=" + m + " n=" + n + " k=" + k);
        }
        requireFits("A", (long) m * k, aLen, aOff, m + "x" + k);
        requireFits("B", (long) k * n, bLen, bOff, k + "x" + n);
        requireFits("C", (long) m * n, cLen, cOff, m + "x" + n);
    }

    private static void requireFits(String operand, long size, int length, int off, String shape) {
        if (off < 0 || off + size > length) {
            throw new IllegalArgumentException("gemm: operand " + operand + " of shape " + shape + " at offset " + off
                    + " does not fit its array of length " + length);
        }
    }
}
