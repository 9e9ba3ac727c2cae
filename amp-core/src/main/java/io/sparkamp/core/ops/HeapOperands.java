package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/**
 * Runs a {@link Matrix} multiply on a kernel's array form: operands copied into per-thread heap arrays
 * (grow-only, so steady state allocates nothing), the result copied back. For kernels that compute on
 * the Java heap anyway.
 */
final class HeapOperands {
    private static final ThreadLocal<HeapOperands> SCRATCH = ThreadLocal.withInitial(HeapOperands::new);

    private float[] a32 = new float[0];
    private float[] b32 = new float[0];
    private short[] a16 = new short[0];
    private short[] b16 = new short[0];
    private float[] c = new float[0];

    private HeapOperands() {
    }

    static void gemm(GemmKernel kernel, boolean transA, boolean transB, int m, int n, int k,
                     Matrix a, Matrix b, Matrix c, boolean accumulate) {
        HeapOperands s = SCRATCH.get();
        int cSize = m * n;
        if (s.c.length < cSize) {
            s.c = new float[cSize];
        }
        if (accumulate) {
            c.buffer().asFloatBuffer().get(0, s.c, 0, cSize);
        }
        Precision precision = a.storage();
        if (precision.isLow()) {
            s.a16 = codes(a, s.a16);
            s.b16 = codes(b, s.b16);
            kernel.gemm(precision, transA, transB, m, n, k, s.a16, 0, s.b16, 0, s.c, 0, accumulate);
        } else {
            s.a32 = floats(a, s.a32);
            s.b32 = floats(b, s.b32);
            kernel.gemm(transA, transB, m, n, k, s.a32, 0, s.b32, 0, s.c, 0, accumulate);
        }
        c.buffer().asFloatBuffer().put(0, s.c, 0, cSize);
    }

    private static short[] codes(Matrix m, short[] scratch) {
        short[] out = scratch.length < m.size() ? new short[m.size()] : scratch;
        m.buffer().asShortBuffer().get(0, out, 0, m.size());
        return out;
    }

    private static float[] floats(Matrix m, float[] scratch) {
        float[] out = scratch.length < m.size() ? new float[m.size()] : scratch;
        m.buffer().asFloatBuffer().get(0, out, 0, m.size());
        return out;
    }
}
