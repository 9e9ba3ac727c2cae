package io.sparkamp.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A worker with several threads (task-threads) splits the share's micro-batches into contiguous runs and
 * sums the runs' gradients in run order: the result is exactly a single-threaded worker's runs summed in
 * that order, the same bits on every call whatever thread finishes first, and the same gradient as one
 * thread up to float rounding.
 */
class PartitionWorkerThreadsTest {
    private static final String MODEL = "input 32 | linear 24 | relu | dropout 0.1 | linear 10";
    private static final int MICRO_BATCH = 16;

    @ParameterizedTest
    @EnumSource(Precision.class)
    void threadsSplitMicroBatchesIntoRunsSummedInOrder(Precision precision) {
        ArrayRowSource rows = TrainingFixtures.partitions(400, 1, 5).get(0);
        WorkerSpec single = new WorkerSpec(MODEL, "softmax_ce", precision, "java", MICRO_BATCH, 1);
        WorkerSpec three = new WorkerSpec(MODEL, "softmax_ce", precision, "java", MICRO_BATCH, 3);
        WorkingWeights weights = WorkingWeights.cast(io.sparkamp.core.nn.ModelSpec.parse(MODEL).initialize(4), precision);
        PartitionAssignment job = new PartitionAssignment(4, 7, 150, 300, precision == Precision.FP16 ? 512f : 1f);
        int[] picked = BatchPlan.rowsFor(job.seed(), 2, job.step(), job.share(), rows.rowCount());
        int micros = (picked.length + MICRO_BATCH - 1) / MICRO_BATCH; // 10 micro-batches: runs [0,3) [3,6) [6,10)
        try (PartitionWorker one = single.newWorker(); PartitionWorker team = three.newWorker()) {
            // a worker overwrites its partial at every call: what is kept across calls is copied
            GradientPartial expected = copy(one.computeMicroBatches(rows, 2, job, weights, picked, 0, 3))
                    .merge(one.computeMicroBatches(rows, 2, job, weights, picked, 3, 6))
                    .merge(one.computeMicroBatches(rows, 2, job, weights, picked, 6, micros));
            GradientPartial threaded = copy(team.compute(rows, 2, job, weights));
            GradientPartial again = team.compute(rows, 2, job, weights);
            assertArrayEquals(bits(expected.gradients()), bits(threaded.gradients()), precision + ": runs summed in order");
            assertArrayEquals(bits(threaded.gradients()), bits(again.gradients()), precision + ": the same bits every time");
            assertEquals(expected.lossSum(), threaded.lossSum(), 0.0);
            assertEquals(150, threaded.rows());
            assertEquals(expected.correct(), threaded.correct());
            assertEquals(expected.gradientValuesCast(), threaded.gradientValuesCast());

            GradientPartial alone = one.compute(rows, 2, job, weights);
            float[] a = alone.gradients();
            float[] t = threaded.gradients();
            double maxDiff = 0;
            double maxAbs = 0;
            for (int i = 0; i < a.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(a[i] - t[i]));
                maxAbs = Math.max(maxAbs, Math.abs(a[i]));
            }
            assertTrue(maxDiff <= 1e-5 * maxAbs, precision + ": the same gradient up to rounding, max diff " + maxDiff
                    + " of " + maxAbs);
            assertTrue(team.offHeapBytes() > one.offHeapBytes(), "the helpers hold their own buffers");
            team.close();
            assertEquals(0, team.offHeapBytes(), "closing frees the helpers' buffers too");
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    private static GradientPartial copy(GradientPartial partial) {
        GradientPartial copy = new GradientPartial(partial.gradients().length);
        copy.copyFrom(partial);
        return copy;
    }
}
