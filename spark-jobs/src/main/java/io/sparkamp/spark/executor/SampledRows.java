package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import java.util.Arrays;

/**
 * The rows one step picks from a partition that is not kept decoded, gathered in one pass over its
 * batches (each decoded, read and freed in turn, up to the one holding the last picked row). It answers for the partition's full row count, so the
 * worker picks exactly the rows it would pick from the whole partition, and refuses a row it was not
 * given, so a change in how rows are picked fails loudly instead of training on the wrong rows.
 */
final class SampledRows implements RowSource {
    private final int rowCount;
    private final int features;
    private final int targets;
    private final int[] rows;
    private final float[] x;
    private final float[] y;

    private SampledRows(int rowCount, int features, int targets, int[] rows, float[] x, float[] y) {
        this.rowCount = rowCount;
        this.features = features;
        this.targets = targets;
        this.rows = rows;
        this.x = x;
        this.y = y;
    }

    /** Reads the rows {@code picked} (indices into the partition of {@code rowCount} rows) from {@code batches}. */
    static SampledRows gather(BatchStream batches, int rowCount, int[] picked) {
        int[] rows = Arrays.stream(picked).sorted().distinct().toArray();
        int features = 0;
        int targets = 1;
        float[] x = new float[0];
        float[] y = new float[0];
        int next = 0;
        long first = 0;
        while (next < rows.length && batches.hasNext()) { // the batches after the last picked row stay unread
            try (TrainingBatch batch = batches.next()) {
                if (x.length == 0) {
                    features = batch.features().cols();
                    targets = batch.targets();
                    x = new float[rows.length * features];
                    y = new float[rows.length * targets];
                }
                long end = first + batch.rows();
                for (; next < rows.length && rows[next] < end; next++) {
                    int local = (int) (rows[next] - first);
                    batch.features().readFloats(local, 1, x, next * features);
                    batch.readLabels(local, 1, y, next * targets);
                }
                first = end;
            }
        }
        if (next != rows.length) {
            throw new IllegalStateException("row " + rows[next] + " picked, but the partition's cache holds " + first
                    + " rows (expected " + rowCount + ")");
        }
        return new SampledRows(rowCount, features, targets, rows, x, y);
    }

    @Override
    public int rowCount() {
        return rowCount;
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
        System.arraycopy(x, slot(row) * features, dst, off, features);
    }

    @Override
    public void copyTargets(int row, float[] dst, int off) {
        System.arraycopy(y, slot(row) * targets, dst, off, targets);
    }

    private int slot(int row) {
        int slot = Arrays.binarySearch(rows, row);
        if (slot < 0) {
            throw new IllegalStateException("row " + row + " was not gathered for this step (gathered " + rows.length
                    + " of " + rowCount + ")");
        }
        return slot;
    }
}
