package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ComputeContext;
import io.sparkamp.core.nn.Layer;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.Sequential;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmProviders;
import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The worker's data path (rows gathered from Arrow batches as stored, activations as 16-bit codes in
 * off-heap buffers reused across micro-batches, Linear and ReLU passes fused) against the plain one: the
 * same rows copied out as floats and pushed through each layer's array form on the heap, one layer after
 * another. Same kernel, so the gradients and every count must agree to the bit.
 */
class PartitionWorkerTest {
    private static final ModelSpec MODEL = ModelSpec.parse("input 32 | linear 40 | relu | linear 33 | relu | linear 10");
    private static final int ROWS = 300;
    private static final int MICRO_BATCH = 64;

    static List<Arguments> cases() {
        List<Arguments> cases = new java.util.ArrayList<>();
        for (String kernel : new String[] {"java", "native", "native-fp32"}) {
            for (Precision precision : Precision.values()) {
                cases.add(Arguments.of(kernel, precision));
            }
        }
        return cases;
    }

    /** Each kernel keeps 16-bit operands as codes (java, native BF16 here) or as rounded FP32 (native-fp32, native FP16 here). */
    @ParameterizedTest
    @MethodSource("cases")
    void gradientsEqualAPlainLayerByLayerPassToTheBit(String kernel, Precision precision) {
        ArrayRowSource rows = TrainingFixtures.partitions(ROWS, 1, 3).get(0);
        AutocastPolicy policy = AutocastPolicy.forPrecision(precision);
        Loss loss = Losses.byName("softmax_ce");
        Gemm gemm = new Gemm(GemmProviders.select(kernel));
        WorkingWeights weights = WorkingWeights.cast(MODEL.initialize(9), precision);
        PartitionAssignment job = new PartitionAssignment(9, 2, 150, 600, precision == Precision.FP16 ? 1024f : 1f);
        try (BufferAllocator allocator = new RootAllocator();
             TrainingBatch batch = TrainingBatch.fromRows(allocator, precision, ROWS, 32, features(rows), 1, targets(rows));
             PartitionWorker worker = new PartitionWorker(MODEL, loss, policy, gemm, MICRO_BATCH)) {
            GradientPartial first = new GradientPartial(weights.size());
            first.copyFrom(worker.compute(new BatchRowSource(List.of(batch)), 1, job, weights));
            // the second step reuses the first's buffers and its partial: nothing of the first may add up
            GradientPartial actual = worker.compute(new BatchRowSource(List.of(batch)), 1, job, weights);
            assertTrue(worker.offHeapBytes() > 0, "activations and gradients live off-heap");
            GradientPartial expected = plainPass(new BatchRowSource(List.of(batch)), 1, job, weights, policy, gemm, loss);
            assertArrayEquals(expected.gradients(), actual.gradients(), kernel + " " + precision + " gradients");
            assertArrayEquals(first.gradients(), actual.gradients(), precision + ": reused buffers change nothing");
            assertEquals(first.lossSum(), actual.lossSum(), 0.0);
            assertEquals(first.rows(), actual.rows());
            assertEquals(first.gradientValuesCast(), actual.gradientValuesCast());
            // a partial someone borrowed is not overwritten: the next step goes into a new one
            actual.lend();
            actual.gradients()[0] = 12345f;
            GradientPartial next = worker.compute(new BatchRowSource(List.of(batch)), 1, job, weights);
            assertTrue(next != actual, "a new partial while the old one is lent");
            assertEquals(12345f, actual.gradients()[0], "the borrowed partial is left as it was");
            assertArrayEquals(first.gradients(), next.gradients());
            actual.giveBack();
            assertEquals(expected.lossSum(), actual.lossSum(), 0.0, precision + " loss");
            assertEquals(expected.correct(), actual.correct());
            assertEquals(expected.gradientValuesCast(), actual.gradientValuesCast(), precision + " values cast to 16 bits");
            assertEquals(expected.gradientValuesUnderflowed(), actual.gradientValuesUnderflowed());
            assertEquals(precision.isLow(), actual.gradientValuesCast() > 0);
            worker.close();
            assertEquals(0, worker.offHeapBytes(), "close returns every off-heap byte");
            assertThrows(IllegalStateException.class, () -> worker.compute(new BatchRowSource(List.of(batch)), 1, job, weights));
        }
    }

    /** The reference: rows as floats, each layer's array form on the heap, in micro-batches, summed. */
    private static GradientPartial plainPass(BatchRowSource source, int partition, PartitionAssignment job, WorkingWeights weights,
                                             AutocastPolicy policy, Gemm gemm, Loss loss) {
        int[] rows = BatchPlan.rowsFor(job.seed(), partition, job.step(), job.share(), source.rowCount());
        float gradFactor = (float) ((double) job.lossScale() / job.globalBatch());
        GradientPartial partial = new GradientPartial(weights.size());
        Sequential network = MODEL.instantiate();
        int micro = 0;
        for (int start = 0; start < rows.length; start += MICRO_BATCH, micro++) {
            int count = Math.min(MICRO_BATCH, rows.length - start);
            float[] x = new float[count * 32];
            float[] t = new float[count];
            for (int i = 0; i < count; i++) {
                source.copyFeatures(rows[start + i], x, i * 32);
                source.copyTargets(rows[start + i], t, i);
            }
            SplittableRandom random = new SplittableRandom(Seeds.mix(job.seed(), 0xD50L, job.step(), partition, micro));
            ComputeContext ctx = new ComputeContext(policy, gemm, weights, true, random);
            float[] activation = x;
            for (Layer layer : network.layers()) {
                activation = layer.forward(ctx, activation, count);
            }
            float[] grad = new float[count * 10];
            double lossSum = loss.sumAndGradient(activation, t, count, 10, gradFactor, grad);
            for (int i = network.layers().size() - 1; i >= 0; i--) {
                grad = network.layers().get(i).backward(ctx, grad, count, partial.gradients(), i > 0);
            }
            partial.addBatch(lossSum, count, loss.countCorrect(activation, t, count, 10), ctx.stats().gradientValuesCast(),
                    ctx.stats().gradientValuesUnderflowed());
        }
        return partial;
    }

    private static float[] features(ArrayRowSource rows) {
        float[] f = new float[rows.rowCount() * rows.featureCount()];
        for (int r = 0; r < rows.rowCount(); r++) {
            rows.copyFeatures(r, f, r * rows.featureCount());
        }
        return f;
    }

    private static float[] targets(ArrayRowSource rows) {
        float[] t = new float[rows.rowCount()];
        for (int r = 0; r < rows.rowCount(); r++) {
            rows.copyTargets(r, t, r);
        }
        return t;
    }
}
