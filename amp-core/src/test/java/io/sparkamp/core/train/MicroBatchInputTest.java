package io.sparkamp.core.train;

import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.core.tensor.Workspace;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * 16-bit features gathered for a first layer that computes in FP32 come out as the exact FP32 values of the
 * stored codes, row for row in the order asked, from rows spread over several Arrow batches, for widths that
 * fill whole vectors and widths that leave a tail.
 */
class MicroBatchInputTest {
    @Test
    void sixteenBitFeaturesWidenedInStagedBlocksMatchTheirCodes() {
        for (int features : new int[] {5, 784, 3000}) {
            for (int count : new int[] {1, 2, 17, 512}) {
                check(features, count);
            }
        }
    }

    private static void check(int features, int count) {
        int rowsPerBatch = 7;
        int total = count + 3;
        SplittableRandom random = new SplittableRandom(31L * features + count);
        float[] all = new float[total * features];
        for (int i = 0; i < all.length; i++) {
            all[i] = (float) (random.nextGaussian() * 3); // most need rounding to FP16: the codes hold the rounded value
        }
        try (BufferAllocator root = new RootAllocator(); Workspace workspace = Workspace.offHeap(root, "test")) {
            List<TrainingBatch> batches = new ArrayList<>();
            try {
                for (int first = 0; first < total; first += rowsPerBatch) {
                    int n = Math.min(rowsPerBatch, total - first);
                    float[] part = new float[n * features];
                    System.arraycopy(all, first * features, part, 0, part.length);
                    batches.add(TrainingBatch.fromRows(root, Precision.FP16, n, features, part, 1, new float[n]));
                }
                BatchRowSource source = new BatchRowSource(batches);
                int[] rows = new int[count + 2];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = random.nextInt(total);
                }
                Matrix x = new MicroBatchInput(workspace).features(source, rows, 2, count, Precision.FP32);
                assertEquals(Precision.FP32, x.storage());
                assertEquals(Precision.FP16, x.roundedTo());
                String what = features + " features, " + count + " rows";
                for (int i = 0; i < count; i++) {
                    for (int c = 0; c < features; c++) {
                        float expected = Fp16.toFloat(Fp16.fromFloat(all[rows[2 + i] * features + c]));
                        assertEquals(expected, x.get(i * features + c), what + ": row " + i + " feature " + c);
                    }
                }
            } finally {
                batches.forEach(TrainingBatch::close);
            }
        }
    }
}
