package io.sparkamp.benchmarks;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmProviders;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The GEMMs of one micro-batch of the Fashion-MNIST MLP 784-512-256-10 (B = 512 rows), exactly as
 * {@code LinearLayer} issues them: forward Y = X·W (NN), dW += X^T·dY (TN, accumulating into the
 * gradient), dX = dY·W^T (NT), with the operands off-heap in the storage the kernel asks for (16-bit
 * codes, or rounded FP32 values for the {@code -fp32} kernels), read and written in place.
 * Reported as ops/s; {@code benchmarks/gflops.py} turns that into GFLOP/s (2·m·n·k flops per op).
 *
 * <p>Short by default (1 fork, 2 warm-up and 3 measurement iterations of 1 s): numbers for choosing a
 * kernel, not for publishing. oneDNN's threads come from OMP_NUM_THREADS in the environment of the
 * {@code java -jar} command (the forks inherit it).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Thread)
public class GemmBenchmark {
    static final int BATCH = 512;

    /** layer.product: L1 784→512, L2 512→256, L3 256→10. */
    @Param({"L1.fwd", "L1.dW", "L1.dX", "L2.fwd", "L2.dW", "L2.dX", "L3.fwd", "L3.dW", "L3.dX"})
    public String shape;

    @Param({"fp32", "fp16", "bf16"})
    public String precision;

    @Param({"java", "vector", "native"})
    public String kernel;

    private Workspace workspace;

    private Gemm gemm;
    private Precision p;
    private boolean transA;
    private boolean transB;
    private boolean accumulate;
    private int m;
    private int n;
    private int k;
    private Matrix a;
    private Matrix b;
    private Matrix c;

    /** {m, n, k, transA, transB, accumulate} of a named product, as LinearLayer issues it. */
    static int[] problem(String shape) {
        String[] parts = shape.split("\\.");
        int[][] layers = {{784, 512}, {512, 256}, {256, 10}};
        int[] layer = layers[Integer.parseInt(parts[0].substring(1)) - 1];
        int in = layer[0];
        int out = layer[1];
        switch (parts[1]) {
            case "fwd":
                return new int[] {BATCH, out, in, 0, 0, 0};
            case "dW":
                return new int[] {in, out, BATCH, 1, 0, 1};
            case "dX":
                return new int[] {BATCH, in, out, 0, 1, 0};
            default:
                throw new IllegalArgumentException("shape: unknown product '" + shape + "'");
        }
    }

    @Setup
    public void setUp() {
        int[] pr = problem(shape);
        m = pr[0];
        n = pr[1];
        k = pr[2];
        transA = pr[3] == 1;
        transB = pr[4] == 1;
        accumulate = pr[5] == 1;
        p = Precision.parse(precision, "precision");
        gemm = new Gemm(GemmProviders.select(kernel));
        Precision storage = gemm.operandStorage(p);
        workspace = Workspace.offHeap();
        SplittableRandom random = new SplittableRandom(42);
        a = workspace.matrix(this, "a", storage, transA ? k : m, transA ? m : k);
        b = workspace.matrix(this, "b", storage, transB ? n : k, transB ? k : n);
        c = workspace.matrix(this, "c", Precision.FP32, m, n);
        for (int i = 0; i < a.size(); i++) {
            a.set(i, p.round((float) random.nextDouble(-1, 1)));
        }
        for (int i = 0; i < b.size(); i++) {
            b.set(i, p.round((float) random.nextDouble(-1, 1) * 0x1p-10f));
        }
    }

    @Benchmark
    public Matrix gemm() {
        gemm.multiply(p, transA, transB, m, n, k, a, b, c, accumulate);
        return c;
    }

    @TearDown
    public void tearDown() {
        workspace.close();
    }
}
