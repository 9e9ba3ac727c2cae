package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
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
 * The pointwise passes of a 512×512 layer (one micro-batch of the Fashion-MNIST MLP's first layer) on
 * off-heap matrices, by the scalar and the Vector API implementations, in the storage a run holds its
 * activations in: {@code bf16}/{@code fp16} codes (native 16-bit matmul) or {@code fp32} values (an FP32
 * run; with {@code rounding} a 16-bit run computing in FP32). µs per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Thread)
public class ElementwiseBenchmark {
    static final int ROWS = 512;
    static final int COLS = 512;

    @Param({"scalar", "vector"})
    public String implementation;

    /** How activations are held: fp32, fp16 or bf16. */
    @Param({"bf16", "fp32"})
    public String storage;

    /** The low precision values are rounded to (fp32: none). */
    @Param({"bf16"})
    public String rounding;

    private ElementwiseKernel kernel;
    private Workspace workspace;
    private Precision held;
    private Precision low;
    private Matrix product;
    private Matrix activation;
    private Matrix out;
    private Matrix sums;
    private float[] bias;
    private long[] mask;

    @Setup
    public void setUp() {
        kernel = implementation.equals("scalar") ? ElementwiseKernels.scalar() : ElementwiseKernels.vector().instance();
        held = Precision.parse(storage, "storage");
        low = Precision.parse(rounding, "rounding");
        workspace = Workspace.offHeap();
        SplittableRandom random = new SplittableRandom(1);
        product = workspace.matrix(this, "product", Precision.FP32, ROWS, COLS);
        activation = workspace.matrix(this, "activation", held, ROWS, COLS);
        out = workspace.matrix(this, "out", held, ROWS, COLS);
        sums = workspace.matrix(this, "sums", Precision.FP32, 1, COLS);
        for (int i = 0; i < product.size(); i++) {
            product.set(i, (float) random.nextGaussian());
            activation.set(i, low.round((float) random.nextGaussian()));
        }
        bias = new float[COLS];
        for (int j = 0; j < COLS; j++) {
            bias[j] = low.round((float) random.nextGaussian() * 0.1f);
        }
        mask = new long[ROWS * COLS / 64];
        kernel.relu(activation, low, out, mask);
    }

    @Benchmark
    public Matrix biasEpilogue() {
        kernel.biasEpilogue(product, bias, 0, low, out, false, null);
        return out;
    }

    @Benchmark
    public long[] biasEpilogueRelu() {
        kernel.biasEpilogue(product, bias, 0, low, out, true, mask);
        return mask;
    }

    @Benchmark
    public CastCounts convert() {
        return kernel.convert(product, low, out);
    }

    @Benchmark
    public long[] relu() {
        kernel.relu(activation, low, out, mask);
        return mask;
    }

    @Benchmark
    public Matrix maskScale() {
        kernel.maskScale(activation, mask, 1f, held.isLow() ? held : Precision.FP32, out);
        return out;
    }

    @Benchmark
    public long columnSums() {
        return kernel.addColumnSums(activation, sums);
    }

    @TearDown
    public void tearDown() {
        workspace.close();
    }
}
