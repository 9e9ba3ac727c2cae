package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.GemmKernel;
import io.sparkamp.core.tensor.Matrix;

/**
 * A kernel that passes every multiply on to another and says what it says about operand storage and 16-bit
 * products, but adds no bias in its multiply: tests wrap a kernel in it to switch the bias fusion off, or
 * extend it to give a kernel one more ability.
 */
class ForwardingGemmKernel implements GemmKernel {
    private final GemmKernel kernel;

    ForwardingGemmKernel(GemmKernel kernel) {
        this.kernel = kernel;
    }

    @Override
    public String name() {
        return kernel.name();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff, float[] c,
                     int cOff, boolean accumulate) {
        kernel.gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, short[] a, int aOff, short[] b,
                     int bOff, float[] c, int cOff, boolean accumulate) {
        kernel.gemm(precision, transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b, Matrix c,
                     boolean accumulate) {
        kernel.gemm(precision, transA, transB, m, n, k, a, b, c, accumulate);
    }

    @Override
    public Precision operandStorage(Precision precision) {
        return kernel.operandStorage(precision);
    }

    @Override
    public boolean roundsProduct(Precision precision) {
        return kernel.roundsProduct(precision);
    }
}
