package io.sparkamp.benchmarks;

import io.sparkamp.core.train.BatchPlan;
import io.sparkamp.core.train.RowSampler;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Picking one step's rows of a partition (a share of 2,048 rows, as each of the two partitions of
 * {@code conf/fashion-mnist.conf} at batch 4096): with the permutation of the epoch made afresh at every
 * step ({@code BatchPlan.rowsFor}, what a worker did before it kept a {@link RowSampler}) and with the
 * sampler a worker keeps, which makes it once per epoch. Each call is the next step.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RowSamplingBenchmark {
    private static final int SHARE = 2048;

    /** Rows in the partition: Fashion-MNIST's 30,000 per partition here, and a partition of a larger table. */
    @Param({"30000", "1000000"})
    public int rows;

    private final RowSampler sampler = new RowSampler();
    private long step;

    @Benchmark
    public int[] permutationEveryStep() {
        return BatchPlan.rowsFor(7, 0, step++, SHARE, rows);
    }

    @Benchmark
    public int[] keptSampler() {
        return sampler.rowsFor(7, 0, step++, SHARE, rows);
    }
}
