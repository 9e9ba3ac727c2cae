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
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.PartitionWorker;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One Spark task of the Fashion-MNIST configuration ({@code conf/fashion-mnist.conf}: MLP 784-512-256-10,
 * global batch 4096 over 2 partitions, micro-batches of 512), outside Spark: a partition of 30,000 rows
 * held as cached Arrow batches in the run's precision (what an executor keeps), the worker a task thread
 * keeps, and the step's working weights. Each {@link #step()} is the next step's compute (new rows).
 */
final class TaskFixture implements AutoCloseable {
    static final String MODEL = "mlp 784-512-256-10 relu";
    static final int PARTITION_ROWS = 30_000;
    static final int SHARE = 2048;
    static final int GLOBAL_BATCH = 4096;
    static final int MICRO_BATCH = 512;

    final Precision precision;
    final ModelSpec model = ModelSpec.parse(MODEL);
    final Gemm gemm;
    /** The chosen kernel, timing each multiply when asked to. */
    final TimedGemmKernel timed;
    private final BufferAllocator allocator = new RootAllocator();
    private final List<TrainingBatch> batches = new ArrayList<>();
    private final BatchRowSource source;
    private final PartitionWorker worker;
    private final WorkingWeights weights;
    private long step;

    TaskFixture(Precision precision, String kernel) {
        this.precision = precision;
        SplittableRandom random = new SplittableRandom(3);
        // Batches of the size the Spark job caches (167 rows of 784 16-bit features, 83 of FP32 ones): a row's
        // batch is looked up among as many batches as in a real task, and each batch is an allocation of its own.
        int batchRows = TrainingBatch.cachedRowsPerBatch(784, precision);
        for (int first = 0; first < PARTITION_ROWS; first += batchRows) {
            int rows = Math.min(batchRows, PARTITION_ROWS - first);
            float[] features = new float[rows * 784];
            float[] labels = new float[rows];
            for (int i = 0; i < features.length; i++) {
                features[i] = random.nextInt(4) == 0 ? 0f : (float) random.nextDouble(); // pixel-like, a quarter black
            }
            for (int r = 0; r < rows; r++) {
                labels[r] = random.nextInt(10);
            }
            batches.add(TrainingBatch.fromRows(allocator, precision, rows, 784, features, 1, labels));
        }
        source = new BatchRowSource(batches);
        timed = new TimedGemmKernel(GemmProviders.select(kernel, precision, model.gemmShapes(MICRO_BATCH)));
        gemm = new Gemm(timed);
        worker = new PartitionWorker(model, Losses.byName("softmax_ce"), AutocastPolicy.forPrecision(precision), gemm, MICRO_BATCH);
        weights = WorkingWeights.cast(model.initialize(7), precision);
    }

    /** One step of this task: the gradient of its 2,048 rows. */
    float[] step() {
        float scale = precision == Precision.FP16 ? 65536f : 1f;
        return worker.compute(source, 0, new PartitionAssignment(7, step++, SHARE, GLOBAL_BATCH, scale), weights).gradients();
    }

    @Override
    public void close() {
        worker.close();
        batches.forEach(TrainingBatch::close);
        allocator.close();
    }
}
