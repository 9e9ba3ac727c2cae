package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Times kernels on a model's own multiplies: operands off-heap in the storage each kernel asks for (as
 * the layers will hold them), warm-up rounds over every shape first (oneDNN creates its primitives, the
 * JIT compiles), then timed rounds that take the candidates in turn, so a slow phase of a shared machine
 * falls on all of them. A candidate's time is its fastest round: the other rounds measure the neighbours.
 */
final class KernelProbe {
    static final int WARM_UP_ROUNDS = 3;
    static final int ROUNDS = 7;

    private KernelProbe() {
    }

    /** Milliseconds of the fastest round of all {@code shapes}, for each of {@code kernels} in order. */
    static double[] millis(List<GemmKernel> kernels, Precision precision, List<GemmShape> shapes, int rounds) {
        try (Workspace ws = Workspace.offHeap()) {
            Matrix[][][] operands = new Matrix[kernels.size()][][];
            for (int i = 0; i < kernels.size(); i++) {
                operands[i] = operands(ws, kernels.get(i), i, precision, shapes);
                for (int w = 0; w < WARM_UP_ROUNDS; w++) {
                    round(kernels.get(i), precision, shapes, operands[i]);
                }
            }
            double[] best = new double[kernels.size()];
            java.util.Arrays.fill(best, Double.MAX_VALUE);
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < kernels.size(); i++) {
                    best[i] = Math.min(best[i], round(kernels.get(i), precision, shapes, operands[i]));
                }
            }
            return best;
        }
    }

    private static double round(GemmKernel kernel, Precision precision, List<GemmShape> shapes, Matrix[][] operands) {
        long started = System.nanoTime();
        for (int s = 0; s < shapes.size(); s++) {
            GemmShape shape = shapes.get(s);
            kernel.gemm(precision, shape.transA(), shape.transB(), shape.m(), shape.n(), shape.k(),
                    operands[s][0], operands[s][1], operands[s][2], shape.accumulate());
        }
        return (System.nanoTime() - started) / 1e6;
    }

    private static Matrix[][] operands(Workspace ws, GemmKernel kernel, int index, Precision precision, List<GemmShape> shapes) {
        Precision storage = kernel.operandStorage(precision);
        SplittableRandom random = new SplittableRandom(17);
        Matrix[][] operands = new Matrix[shapes.size()][];
        for (int s = 0; s < shapes.size(); s++) {
            GemmShape shape = shapes.get(s);
            String slot = index + "/" + s;
            operands[s] = new Matrix[] {
                filled(ws.matrix(KernelProbe.class, "a" + slot, storage, shape.m(), shape.k()), precision, random),
                filled(ws.matrix(KernelProbe.class, "b" + slot, storage, shape.k(), shape.n()), precision, random),
                ws.matrix(KernelProbe.class, "c" + slot, Precision.FP32, shape.m(), shape.n())};
        }
        return operands;
    }

    private static Matrix filled(Matrix m, Precision precision, SplittableRandom random) {
        for (int i = 0; i < m.size(); i++) {
            m.set(i, precision.round((float) random.nextDouble(-1, 1)));
        }
        return m;
    }
}
