package io.sparkamp.spark.data;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.TrainingBatch;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * Turns a partition of validated (label, features) rows into Arrow IPC batches, features rounded once
 * to the storage precision. Runs on executors, once per partition, when the cache is built or rebuilt.
 *
 * <p>Batches are produced lazily, one at a time, as Spark's cache pulls them, and each holds about
 * {@link TrainingBatch#CACHED_BATCH_BYTES} of feature values: a task's working memory (the float rows, the
 * Arrow batch and its IPC bytes, about four batches) is bounded whatever the size of its partition, and
 * Spark's cache, which checks its memory only every 16 values it stores, can spill a partition to disk in
 * time. Rows are read as Spark's internal rows, so feature arrays are copied without boxing every value.
 * The Arrow memory of a batch is a child of the executor's root allocator, closed as soon as its IPC bytes
 * exist.
 */
final class BatchEncoder implements FlatMapFunction<Iterator<InternalRow>, CachedBatch> {
    private static final long serialVersionUID = 1L;

    private final Precision precision;
    private final int featureCount;
    private final int batchRows;
    private final ExecutorAllocator memory;

    BatchEncoder(Precision precision, int featureCount, ExecutorAllocator memory) {
        this.memory = memory;
        this.precision = precision;
        this.featureCount = featureCount;
        this.batchRows = TrainingBatch.cachedRowsPerBatch(featureCount, precision);
    }

    @Override
    public Iterator<CachedBatch> call(Iterator<InternalRow> rows) {
        return new Iterator<>() {
            private final float[] features = new float[batchRows * featureCount];
            private final float[] labels = new float[batchRows];

            @Override
            public boolean hasNext() {
                return rows.hasNext();
            }

            @Override
            public CachedBatch next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException("no more rows in this partition");
                }
                int n = 0;
                while (n < batchRows && rows.hasNext()) {
                    InternalRow row = rows.next();
                    labels[n] = row.getFloat(0);
                    ArrayData values = row.getArray(1);
                    int offset = n * featureCount;
                    for (int j = 0; j < featureCount; j++) {
                        features[offset + j] = values.getFloat(j);
                    }
                    n++;
                }
                return n == batchRows ? encode(features, labels, n)
                        : encode(Arrays.copyOf(features, n * featureCount), Arrays.copyOf(labels, n), n);
            }
        };
    }

    private CachedBatch encode(float[] x, float[] y, int rows) {
        try (BufferAllocator allocator = memory.root().newChildAllocator("encode", 0, Long.MAX_VALUE);
             TrainingBatch batch = TrainingBatch.fromRows(allocator, precision, rows, featureCount, x, 1, y)) {
            return new CachedBatch(batch.toIpcBytes(), rows);
        }
    }
}
