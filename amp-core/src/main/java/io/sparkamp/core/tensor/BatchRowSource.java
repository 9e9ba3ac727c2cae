package io.sparkamp.core.tensor;

import io.sparkamp.core.data.RowSource;

import java.util.List;

/**
 * The rows of several Arrow training batches as one {@link RowSource}, in batch order. Reads features
 * straight from the Arrow buffers (16-bit codes widened exactly to float). Does not own the batches.
 */
public final class BatchRowSource implements RowSource {
    private final List<TrainingBatch> batches;
    private final int[] firstRows;
    private final int rows;
    private final int features;
    private final int targets;

    public BatchRowSource(List<TrainingBatch> batches) {
        this.batches = List.copyOf(batches);
        this.firstRows = new int[batches.size()];
        int total = 0;
        int f = -1;
        int t = -1;
        for (int i = 0; i < batches.size(); i++) {
            TrainingBatch b = batches.get(i);
            if (f >= 0 && (b.features().cols() != f || b.targets() != t)) {
                throw new IllegalArgumentException("batch " + i + " has " + b.features().cols() + " features and " + b.targets()
                        + " targets per row, batch 0 has " + f + " and " + t);
            }
            f = b.features().cols();
            t = b.targets();
            firstRows[i] = total;
            total += b.rows();
        }
        this.rows = total;
        this.features = Math.max(f, 0);
        this.targets = Math.max(t, 1);
    }

    @Override
    public int rowCount() {
        return rows;
    }

    @Override
    public int featureCount() {
        return features;
    }

    @Override
    public int targetWidth() {
        return targets;
    }

    @Override
    public void copyFeatures(int row, float[] dst, int off) {
        int b = batchOf(row);
        batches.get(b).features().readFloats(row - firstRows[b], 1, dst, off);
    }

    @Override
    public void copyTargets(int row, float[] dst, int off) {
        int b = batchOf(row);
        batches.get(b).readLabels(row - firstRows[b], 1, dst, off);
    }

    private int batchOf(int row) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " outside [0, " + rows + ")");
        }
        int lo = 0;
        int hi = firstRows.length - 1;
        while (lo < hi) { // last batch whose first row is <= row
            int mid = (lo + hi + 1) >>> 1;
            if (firstRows[mid] <= row) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return lo;
    }
}
