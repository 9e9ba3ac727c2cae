package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.GemmKernel;
import io.sparkamp.core.ops.JavaGemmKernel;
import io.sparkamp.core.tensor.Matrix;

/**
 * The Java kernel, plus 16-bit results rounded from its FP32 product (the contract of
 * {@link GemmKernel#roundsProduct}), as oneDNN gives them where it multiplies BF16 itself.
 */
class RoundingJavaKernel extends ForwardingGemmKernel {
    private final JavaGemmKernel java = new JavaGemmKernel();

    RoundingJavaKernel() {
        super(new JavaGemmKernel());
    }

    @Override
    public String name() {
        return "java, rounding 16-bit products";
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b, Matrix c,
                     boolean accumulate) {
        if (!c.storage().isLow()) {
            java.gemm(precision, transA, transB, m, n, k, a, b, c, accumulate);
            return;
        }
        Matrix wide = Matrix.onHeap(Precision.FP32, c.rows(), c.cols());
        java.gemm(precision, transA, transB, m, n, k, a, b, wide, false);
        for (int i = 0; i < c.size(); i++) {
            c.set(i, wide.get(i)); // rounded to nearest even into the code
        }
    }

    @Override
    public boolean roundsProduct(Precision precision) {
        return precision.isLow();
    }
}
