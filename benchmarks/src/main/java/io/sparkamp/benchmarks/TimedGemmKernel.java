package io.sparkamp.benchmarks;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.GemmKernel;
import io.sparkamp.core.ops.GemmShape;
import io.sparkamp.core.tensor.Matrix;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A kernel that times every {@link Matrix} multiply it passes on, by shape, in CPU time of the calling
 * thread: the GEMMs as a task runs them (operands as warm or cold as the task leaves them), to set beside
 * the same shapes timed alone. One instance per task thread.
 */
final class TimedGemmKernel implements GemmKernel {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private final GemmKernel kernel;
    private final Map<GemmShape, List<Double>> millis = new LinkedHashMap<>();
    private boolean recording;

    TimedGemmKernel(GemmKernel kernel) {
        this.kernel = kernel;
    }

    void record(boolean on) {
        recording = on;
    }

    /** CPU ms of each call, by shape, in the order the shapes were first met. */
    Map<GemmShape, List<Double>> millis() {
        return millis;
    }

    @Override
    public String name() {
        return kernel.name();
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        kernel.gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        kernel.gemm(precision, transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     Matrix a, Matrix b, Matrix c, boolean accumulate) {
        long cpu0 = recording ? THREADS.getCurrentThreadCpuTime() : 0;
        kernel.gemm(precision, transA, transB, m, n, k, a, b, c, accumulate);
        if (recording) {
            double ms = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
            millis.computeIfAbsent(new GemmShape(m, n, k, transA, transB, accumulate), s -> new ArrayList<>()).add(ms);
        }
    }

    @Override
    public Precision operandStorage(Precision precision) {
        return kernel.operandStorage(precision);
    }

    @Override
    public boolean roundsProduct(Precision precision) {
        return kernel.roundsProduct(precision);
    }

    @Override
    public boolean fusesBias(Precision precision) {
        return kernel.fusesBias(precision);
    }

    @Override
    public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                         Matrix bias, boolean relu, Matrix c) {
        long cpu0 = recording ? THREADS.getCurrentThreadCpuTime() : 0;
        kernel.gemmBias(precision, transA, transB, m, n, k, a, b, bias, relu, c);
        if (recording) {
            double ms = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
            millis.computeIfAbsent(new GemmShape(m, n, k, transA, transB, false), s -> new ArrayList<>()).add(ms);
        }
    }
}
