package io.sparkamp.benchmarks;

import io.sparkamp.core.numeric.Precision;
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

import java.util.concurrent.TimeUnit;

/**
 * One Spark task's compute for one step of the Fashion-MNIST configuration ({@link TaskFixture}):
 * {@code PartitionWorker.compute} on 2,048 rows, gathering, forward, loss, backward, gradient sum. Compare
 * with 4 × the sum of {@link GemmBenchmark}'s products (the GEMM floor of a task); {@link TaskProfile}
 * measures both in one JVM, in CPU time.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Thread)
public class TaskComputeBenchmark {
    @Param({"fp32", "fp16", "bf16"})
    public String precision;

    /** A kernel name as the kernel setting takes it; auto measures on the model's shapes. */
    @Param({"auto"})
    public String kernel;

    private TaskFixture task;

    @Setup
    public void setUp() {
        task = new TaskFixture(Precision.parse(precision, "precision"), kernel);
    }

    @Benchmark
    public float[] taskCompute() {
        return task.step();
    }

    @TearDown
    public void tearDown() {
        task.close();
    }
}
