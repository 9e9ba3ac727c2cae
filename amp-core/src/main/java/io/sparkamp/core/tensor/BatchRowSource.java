package io.sparkamp.core.tensor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.numeric.Precision;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The rows of several Arrow training batches as one {@link RowSource}, in batch order. Reads features
 * straight from the Arrow buffers: copied as stored by {@link #gatherFeatures} (16-bit codes stay codes, or
 * are widened in the same copy for a first layer that computes in FP32),
 * widened exactly to float by {@link #copyFeatures}. Does not own the batches.
 */
public final class BatchRowSource implements RowSource {
    private final List<TrainingBatch> batches;
    private final int[] firstRows;
    private final int rows;
    private final int features;
    private final int targets;
    /**
     * Every row's targets, read out of the batches once: a training step reads the targets of random rows,
     * and one Arrow lookup each (validity bit, value, bounds checks) took several times the feature gather's
     * Java time per row.
     */
    private final float[] targetValues;

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
        this.targetValues = new float[Math.multiplyExact(rows, targets)];
        for (int i = 0; i < batches.size(); i++) {
            TrainingBatch b = batches.get(i);
            b.readLabels(0, b.rows(), targetValues, firstRows[i] * targets);
        }
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

    /** One memory copy (or exact widening) per row, straight from the Arrow buffers. */
    @Override
    public void gatherFeatures(int[] rows, int from, int count, Precision storage, ByteBuffer dst) {
        for (int i = 0; i < count; i++) {
            int row = rows[from + i];
            int b = batchOf(row);
            batches.get(b).features().copyRowsTo(row - firstRows[b], 1, storage, dst, i * features);
        }
    }

    @Override
    public void copyTargets(int row, float[] dst, int off) {
        if (row < 0 || row >= rows) {
            throw new IndexOutOfBoundsException("row " + row + " outside [0, " + rows + ")");
        }
        if (targets == 1) {
            dst[off] = targetValues[row];
        } else {
            System.arraycopy(targetValues, row * targets, dst, off, targets);
        }
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
