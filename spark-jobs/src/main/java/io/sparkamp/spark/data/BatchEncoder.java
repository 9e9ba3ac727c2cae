package io.sparkamp.spark.data;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.spark.executor.ExecutorMemory;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.sql.Row;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Turns a partition of validated (label, features) rows into Arrow IPC batches of at most
 * {@code batchRows} rows, features rounded once to the run's precision. Runs on executors, once per
 * partition, when the cache is built.
 */
final class BatchEncoder implements FlatMapFunction<Iterator<Row>, CachedBatch> {
    private static final long serialVersionUID = 1L;

    private final Precision precision;
    private final int featureCount;
    private final int batchRows;

    BatchEncoder(Precision precision, int featureCount, int batchRows) {
        this.precision = precision;
        this.featureCount = featureCount;
        this.batchRows = batchRows;
    }

    @Override
    public Iterator<CachedBatch> call(Iterator<Row> rows) {
        List<CachedBatch> out = new ArrayList<>();
        float[] features = new float[batchRows * featureCount];
        float[] labels = new float[batchRows];
        int n = 0;
        while (rows.hasNext()) {
            Row row = rows.next();
            labels[n] = row.getFloat(0);
            List<Float> values = row.getList(1);
            for (int j = 0; j < featureCount; j++) {
                features[n * featureCount + j] = values.get(j);
            }
            n++;
            if (n == batchRows) {
                out.add(encode(features, labels, n));
                n = 0;
            }
        }
        if (n > 0) {
            out.add(encode(java.util.Arrays.copyOf(features, n * featureCount), java.util.Arrays.copyOf(labels, n), n));
        }
        return out.iterator();
    }

    private CachedBatch encode(float[] features, float[] labels, int rows) {
        try (BufferAllocator allocator = ExecutorMemory.root().newChildAllocator("encode", 0, Long.MAX_VALUE);
             TrainingBatch batch = TrainingBatch.fromRows(allocator, precision, rows, featureCount, features, 1, labels)) {
            return new CachedBatch(batch.toIpcBytes(), rows);
        }
    }
}
