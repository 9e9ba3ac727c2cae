package io.sparkamp.core.tensor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.numeric.Precision;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The rows of several Arrow training batches as one {@link RowSource}, in batch order. Reads features
 * straight from the Arrow buffers: copied as stored by {@link #gatherFeatures} (16-bit codes stay codes),
 * widened exactly to float by {@link #copyFeatures}. Does not own the batches.
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
        for (int i = 1; i < batches.size(); i++) {
            if (batches.get(i).features().precision() != batches.get(0).features().precision()) {
                throw new IllegalArgumentException("batch " + i + " holds " + batches.get(i).features().precision()
                        + " features, batch 0 " + batches.get(0).features().precision());
            }
        }
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

    /** The batches' own storage: 16-bit codes go on as codes, FP32 as FP32. */
    @Override
    public Precision featureStorage() {
        return batches.isEmpty() ? Precision.FP32 : batches.get(0).features().precision();
    }

    /** One memory copy per row, straight from the Arrow buffers. */
    @Override
    public void gatherFeatures(int[] rows, int from, int count, ByteBuffer dst) {
        for (int i = 0; i < count; i++) {
            int row = rows[from + i];
            int b = batchOf(row);
            batches.get(b).features().copyRowsTo(row - firstRows[b], 1, dst, i * features);
        }
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
