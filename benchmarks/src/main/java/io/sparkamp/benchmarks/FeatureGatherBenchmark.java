package io.sparkamp.benchmarks;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.core.train.RowSampler;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One task's feature gather for one step: the 2,048 rows a task of {@code conf/fashion-mnist.conf} samples
 * from its 30,000-row partition, copied as BF16 codes from the cached Arrow batches into the micro-batches'
 * input. Batches of 167 rows are what the Spark job caches (256 KiB of features each), of 4,096 rows
 * what {@link TaskFixture} held before. Each call is the next step's rows.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Thread)
public class FeatureGatherBenchmark {
    private static final int PARTITION_ROWS = 30_000;
    private static final int FEATURES = 784;
    private static final int SHARE = 2048;

    @Param({"167", "4096"})
    public int batchRows;

    private final BufferAllocator allocator = new RootAllocator();
    private final List<TrainingBatch> batches = new ArrayList<>();
    private final RowSampler sampler = new RowSampler();
    private BatchRowSource source;
    private ByteBuffer input;
    private long step;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(3);
        for (int first = 0; first < PARTITION_ROWS; first += batchRows) {
            int rows = Math.min(batchRows, PARTITION_ROWS - first);
            float[] features = new float[rows * FEATURES];
            for (int i = 0; i < features.length; i++) {
                features[i] = (float) random.nextDouble();
            }
            batches.add(TrainingBatch.fromRows(allocator, Precision.BF16, rows, FEATURES, features, 1, new float[rows]));
        }
        source = new BatchRowSource(batches);
        input = ByteBuffer.allocateDirect(SHARE * FEATURES * 2).order(ByteOrder.nativeOrder());
    }

    @Benchmark
    public ByteBuffer gatherOneStep() {
        int[] rows = sampler.rowsFor(7, 0, step++, SHARE, PARTITION_ROWS);
        source.gatherFeatures(rows, 0, SHARE, Precision.BF16, input);
        return input;
    }

    @TearDown
    public void tearDown() {
        batches.forEach(TrainingBatch::close);
        allocator.close();
    }
}
