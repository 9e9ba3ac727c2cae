package io.sparkamp.spark.inference;

import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Scores one partition on an executor: pulls up to {@code batchRows} rows, gathers their features into
 * one row-major float batch, runs the engine's forward pass ({@link ForwardPass}), and emits each input
 * row with the prediction columns appended. Lazy, so a partition of any size (or a streaming micro-batch) flows through in batches. The
 * weights come from a broadcast that each executor decodes once.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<WeightsPayload> weights;
    private final String model;
    private final Precision precision;
    private final String kernel;
    private final FeatureInput features;
    private final OutputHead head;
    private final int outputs;
    private final int batchRows;
    private final boolean rawColumn;
    private final boolean probabilityColumn;

    PartitionScorer(Broadcast<WeightsPayload> weights, ModelSpec model, Precision precision, String kernel, FeatureInput features,
                    OutputHead head, int batchRows, boolean rawColumn, boolean probabilityColumn) {
        this.weights = weights;
        this.model = model.toSpecString();
        this.precision = precision;
        this.kernel = kernel;
        this.features = features;
        this.head = head;
        this.outputs = model.outputSize();
        this.batchRows = batchRows;
        this.rawColumn = rawColumn;
        this.probabilityColumn = probabilityColumn;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> input) {
        return new ScoredRows(input);
    }

    /** The output rows of one partition, a batch at a time. */
    private final class ScoredRows implements Iterator<Row> {
        private final Iterator<Row> input;
        private final Row[] pending = new Row[batchRows];
        private final float[] x = new float[batchRows * features.width()];
        private final int partition;
        private ForwardPass forward;
        private float[] y;
        private int count;
        private int next;
        private long rowsRead;

        ScoredRows(Iterator<Row> input) {
            this.input = input;
            TaskContext task = TaskContext.get();
            this.partition = task == null ? 0 : task.partitionId();
        }

        @Override
        public boolean hasNext() {
            if (next < count) {
                return true;
            }
            if (!input.hasNext()) {
                return false;
            }
            scoreNextBatch();
            return true;
        }

        @Override
        public Row next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            int r = next++;
            Row row = pending[r];
            pending[r] = null;
            int width = row.length();
            Object[] values = new Object[width + (rawColumn ? 1 : 0) + (probabilityColumn ? 1 : 0) + 1];
            for (int i = 0; i < width; i++) {
                values[i] = row.get(i);
            }
            int at = width;
            if (rawColumn) {
                values[at++] = head.rawPrediction(y, r, outputs);
            }
            if (probabilityColumn) {
                values[at++] = head.probability(y, r, outputs);
            }
            values[at] = head.prediction(y, r, outputs);
            return RowFactory.create(values);
        }

        private void scoreNextBatch() {
            int width = features.width();
            int n = 0;
            while (n < batchRows && input.hasNext()) {
                Row row = input.next();
                features.read(row, x, n * width, rowsRead, partition);
                pending[n++] = row;
                rowsRead++;
            }
            if (forward == null) {
                forward = new ForwardPass(ModelSpec.parse(model), precision, kernel, weights.value().toWorkingWeights());
            }
            y = forward.run(x, n);
            count = n;
            next = 0;
        }
    }
}
