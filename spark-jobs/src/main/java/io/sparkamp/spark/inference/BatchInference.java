package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * Scores a DataFrame with a trained model on the executors: the same forward pass as training and
 * evaluation, in the model's precision (16-bit matrix-multiply inputs, FP32 accumulation, softmax in
 * FP32 or wider) or in FP32 when asked, a batch of rows at a time. Nothing is collected to the driver:
 * the result is the input with Spark ML's prediction columns appended (every other column kept), as a
 * lazy {@code mapPartitions}, so it works on streaming DataFrames as well. The weights are cast once on
 * the driver and broadcast (16-bit codes in mixed precision); each executor decodes them once.
 */
public final class BatchInference {
    private BatchInference() {
    }

    /** {@code data} with the prediction columns of {@code options} appended. */
    public static Dataset<Row> transform(Dataset<?> data, TrainedModel model, ScoringOptions options) {
        Dataset<Row> frame = data.toDF();
        StructType schema = frame.schema();
        StructType out = outputSchema(schema, model, options);
        FeatureInput features = FeatureInput.resolve(schema, options.featuresCol(), options.featureCols(), model.inputSize(),
                "featuresCol");
        OutputHead head = OutputHead.of(model.loss(), model.outputSize());
        Precision precision = options.precision() != null ? options.precision() : model.precision();
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(frame.sparkSession().sparkContext());
        Broadcast<WeightsPayload> weights = sc.broadcast(WeightsPayload.of(WorkingWeights.cast(model.weightsView(), precision)));
        PartitionScorer scorer = new PartitionScorer(weights, model.spec(), precision, model.kernel(), features, head,
                options.batchRows(), head.classifier() && !options.rawPredictionCol().isEmpty(),
                head.classifier() && !options.probabilityCol().isEmpty());
        return frame.mapPartitions(scorer, Encoders.row(out));
    }

    /**
     * The schema {@link #transform} returns: the input's columns, then (classifiers) rawPrediction and
     * probability as vectors, then prediction as a double, Spark ML's order. A missing or mistyped features
     * column, or an output column name that is already taken, is an error, as in Spark ML.
     */
    public static StructType outputSchema(StructType input, TrainedModel model, ScoringOptions options) {
        FeatureInput.resolve(input, options.featuresCol(), options.featureCols(), model.inputSize(), "featuresCol");
        OutputHead head = OutputHead.of(model.loss(), model.outputSize());
        StructType out = input;
        if (head.classifier()) {
            out = add(out, options.rawPredictionCol(), "rawPredictionCol", true);
            out = add(out, options.probabilityCol(), "probabilityCol", true);
        }
        return add(out, options.predictionCol(), "predictionCol", false);
    }

    private static StructType add(StructType schema, String name, String param, boolean vector) {
        if (name.isEmpty()) {
            return schema;
        }
        if (Arrays.asList(schema.fieldNames()).contains(name)) {
            throw new ConfigException(param + ": output column '" + name + "' already exists in the input; its columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        return schema.add(name, vector ? SQLDataTypes.VectorType() : DataTypes.DoubleType, false);
    }
}
