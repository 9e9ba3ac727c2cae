package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Every row of a set of batches reads back as the row it was written as, by itself and gathered in a random
 * order, whether the batches all hold the same number of rows but the last (as the Spark job caches a
 * partition) or not, empty batches included; rows past either end are refused.
 */
class BatchRowSourceTest extends LeakCheckedAllocator {
    private static final int COLS = 5;

    /** Feature c of row r is r * 8 + c: small integers, exact in every precision. */
    private List<TrainingBatch> batches(Precision precision, int... sizes) {
        List<TrainingBatch> list = new ArrayList<>();
        int first = 0;
        for (int size : sizes) {
            float[] features = new float[size * COLS];
            for (int r = 0; r < size; r++) {
                for (int c = 0; c < COLS; c++) {
                    features[r * COLS + c] = (first + r) * 8 + c;
                }
            }
            list.add(TrainingBatch.fromRows(root, precision, size, COLS, features, 1, new float[size]));
            first += size;
        }
        return list;
    }

    @Test
    void everyRowReadsBackFromUniformAndMixedBatches() {
        int[][] layouts = {{7, 7, 7, 3}, {7, 7, 7, 7}, {7, 3, 7}, {3, 7, 7}, {7, 7, 0}, {0, 7}, {1}, {7, 7, 8}};
        for (Precision precision : new Precision[] {Precision.FP32, Precision.BF16}) {
            for (int[] layout : layouts) {
                List<TrainingBatch> list = batches(precision, layout);
                try {
                    BatchRowSource source = new BatchRowSource(list);
                    int rows = source.rowCount();
                    String what = precision + " batches " + java.util.Arrays.toString(layout);
                    float[] row = new float[COLS];
                    for (int r = 0; r < rows; r++) {
                        source.copyFeatures(r, row, 0);
                        for (int c = 0; c < COLS; c++) {
                            assertEquals(r * 8 + c, row[c], what + " row " + r + " feature " + c);
                        }
                    }
                    int[] order = shuffled(rows);
                    ByteBuffer gathered = ByteBuffer.allocateDirect(rows * COLS * 4).order(ByteOrder.nativeOrder());
                    source.gatherFeatures(order, 0, rows, Precision.FP32, gathered);
                    for (int i = 0; i < rows; i++) {
                        for (int c = 0; c < COLS; c++) {
                            assertEquals(order[i] * 8 + c, gathered.getFloat((i * COLS + c) * 4), what + " gathered row " + order[i]);
                        }
                    }
                    assertThrows(IndexOutOfBoundsException.class, () -> source.copyFeatures(rows, row, 0), what);
                    assertThrows(IndexOutOfBoundsException.class, () -> source.copyFeatures(-1, row, 0), what);
                } finally {
                    list.forEach(TrainingBatch::close);
                }
            }
        }
    }

    private static int[] shuffled(int n) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(n);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }
}
