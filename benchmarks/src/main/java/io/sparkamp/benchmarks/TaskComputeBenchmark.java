package io.sparkamp.benchmarks;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmProviders;
import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.core.train.PartitionWorker;
import io.sparkamp.core.train.PartitionAssignment;
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

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One Spark task's compute for one step of the Fashion-MNIST configuration ({@code conf/fashion-mnist.conf}:
 * MLP 784-512-256-10, global batch 4096 over 2 partitions, micro-batches of 512): {@code PartitionWorker.compute}
 * on 2,048 rows sampled from a partition of 30,000 rows held as cached Arrow batches in the run's precision
 * (what an executor keeps), gathering, forward, loss, backward, gradient sum. Each call is the next step
 * (new rows). Compare with 4 × the sum of {@link GemmBenchmark}'s products (the GEMM floor of a task).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector", "--add-opens=java.base/java.nio=ALL-UNNAMED"})
@State(Scope.Thread)
public class TaskComputeBenchmark {
    static final String MODEL = "mlp 784-512-256-10 relu";
    static final int PARTITION_ROWS = 30_000;
    static final int BATCH_ROWS = 4096;
    static final int SHARE = 2048;
    static final int GLOBAL_BATCH = 4096;
    static final int MICRO_BATCH = 512;

    @Param({"fp32", "fp16", "bf16"})
    public String precision;

    /** A kernel name as the kernel setting takes it; auto measures on the model's shapes. */
    @Param({"auto"})
    public String kernel;

    private BufferAllocator allocator;
    private List<TrainingBatch> batches;
    private BatchRowSource source;
    private PartitionWorker worker;
    private WorkingWeights weights;
    private long step;

    @Setup
    public void setUp() {
        Precision p = Precision.parse(precision, "precision");
        ModelSpec model = ModelSpec.parse(MODEL);
        allocator = new RootAllocator();
        batches = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(3);
        for (int first = 0; first < PARTITION_ROWS; first += BATCH_ROWS) {
            int rows = Math.min(BATCH_ROWS, PARTITION_ROWS - first);
            float[] features = new float[rows * 784];
            float[] labels = new float[rows];
            for (int i = 0; i < features.length; i++) {
                features[i] = random.nextInt(4) == 0 ? 0f : (float) random.nextDouble(); // pixel-like, a quarter black
            }
            for (int r = 0; r < rows; r++) {
                labels[r] = random.nextInt(10);
            }
            batches.add(TrainingBatch.fromRows(allocator, p, rows, 784, features, 1, labels));
        }
        source = new BatchRowSource(batches);
        Gemm gemm = new Gemm(GemmProviders.select(kernel, p, model.gemmShapes(MICRO_BATCH)));
        worker = new PartitionWorker(model, Losses.byName("softmax_ce"), AutocastPolicy.forPrecision(p), gemm, MICRO_BATCH);
        weights = WorkingWeights.cast(model.initialize(7), p);
    }

    @Benchmark
    public float[] taskCompute() {
        float scale = precision.equals("fp16") ? 65536f : 1f;
        return worker.compute(source, 0, new PartitionAssignment(7, step++, SHARE, GLOBAL_BATCH, scale), weights).gradients();
    }

    @TearDown
    public void tearDown() {
        worker.close();
        batches.forEach(TrainingBatch::close);
        allocator.close();
    }
}
