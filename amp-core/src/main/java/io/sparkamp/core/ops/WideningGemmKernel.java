package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/**
 * "16-bit storage, FP32 compute": FP16/BF16 multiplies run as FP32 multiplies of the exactly widened
 * values on another kernel. Every product of two 16-bit values is exact in FP32, so this is the same
 * computation as a 16-bit multiply with FP32 accumulation, in the delegate's FP32 order. Callers are asked
 * ({@link #operandStorage}) to keep such operands as rounded FP32 values, so nothing is widened per call;
 * 16-bit operands that arrive anyway are widened here. The choice for CPUs whose 16-bit matmul is missing
 * or slower than their FP32 one.
 */
final class WideningGemmKernel implements GemmKernel {
    /** Suffix of the name: "native-fp32" is oneDNN computing 16-bit inputs in FP32. */
    static final String SUFFIX = "-fp32";

    private final GemmKernel fp32;
    private final ThreadLocal<float[][]> scratch = ThreadLocal.withInitial(() -> new float[][] {new float[0], new float[0]});

    WideningGemmKernel(GemmKernel fp32) {
        this.fp32 = fp32;
    }

    /** The kernel the FP32 multiplies run on. */
    GemmKernel delegate() {
        return fp32;
    }

    @Override
    public String name() {
        return fp32.name() + SUFFIX;
    }

    @Override
    public Precision operandStorage(Precision precision) {
        return Precision.FP32;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        fp32.gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        float[][] s = scratch.get();
        if (s[0].length < m * k) {
            s[0] = new float[m * k];
        }
        if (s[1].length < k * n) {
            s[1] = new float[k * n];
        }
        LowPrecisionArrays.decode(precision, a, aOff, s[0], 0, m * k);
        LowPrecisionArrays.decode(precision, b, bOff, s[1], 0, k * n);
        fp32.gemm(transA, transB, m, n, k, s[0], 0, s[1], 0, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     Matrix a, Matrix b, Matrix c, boolean accumulate) {
        if (a.storage() == Precision.FP32) {
            fp32.gemm(Precision.FP32, transA, transB, m, n, k, a, b, c, accumulate);
        } else {
            HeapOperands.gemm(this, transA, transB, m, n, k, a, b, c, accumulate);
        }
    }

    /**
     * Every multiply here runs on the FP32 kernel, so it decides whether a bias is added in the multiply. For a
     * 16-bit multiply the result is the FP32 sum (operands held as FP32, see {@link #operandStorage}): the caller
     * still rounds it.
     */
    @Override
    public boolean fusesBias(Precision precision) {
        return fp32.fusesBias(Precision.FP32);
    }

    @Override
    public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                         Matrix bias, boolean relu, Matrix c) {
        fp32.gemmBias(Precision.FP32, transA, transB, m, n, k, a, b, bias, relu, c);
    }
}
