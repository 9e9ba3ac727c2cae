package io.sparkamp.spark.inference;

import static io.sparkamp.spark.TrainRuns.assertAtLeast;
import static io.sparkamp.spark.TrainRuns.num;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.RegressionRows;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batch inference through {@link BatchInference#transform} on a model trained here by {@code amp train}
 * (FP16, 4 classes of 16 features): it reaches the accuracy training measured, keeps every other column,
 * reads array, vector and scalar feature columns alike, scores a streaming DataFrame as it scores a batch
 * one, and refuses bad feature rows naming the column and the row.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
public class BatchInferenceTest extends AmpSparkTestBase {
    @TempDir
    static Path TMP;

    static final int FEATURES = 16;
    static final int CLASSES = 4;
    private static String data;
    private static TrainRuns.Run run;
    private static TrainedModel model;

    @BeforeEach
    public void trainOnce() throws Exception {
        if (model == null) {
            data = newFolder(TMP, "synthetic").toString();
            SyntheticDataWriter.write(spark(), data, new SyntheticDataWriter.Options(600, 300, FEATURES, CLASSES, 1.0f, 5L), true);
            String checkpoints = newFolder(TMP, "ckpt").toString();
            run = TrainRuns.train(spark(), TrainRuns.settings("data", data + "/train", "test-data", data + "/test",
                    "model", "mlp 16-32-4 relu", "precision", "fp16", "steps", "60", "batch-size", "64", "lr", "0.01",
                    "partitions", "2", "seed", "3", "log-every", "1000", "checkpoint-dir", checkpoints));
            model = TrainedModel.load(spark(), checkpoints);
        }
    }

    private Dataset<Row> test() {
        return spark().read().parquet(data + "/test");
    }

    private static double accuracy(Dataset<Row> scored) {
        long right = scored.filter(col("prediction").equalTo(col("label").cast("double"))).count();
        return (double) right / scored.count();
    }

    @Test
    public void checkpointLoadsAsTheModelTrainingWrote() {
        assertEquals("input 16 | linear 32 | relu | linear 4", model.spec().toSpecString());
        assertEquals("softmax_ce", model.loss());
        assertEquals(Precision.FP16, model.precision());
        assertEquals(60, model.steps());
        Assertions.assertTrue(model.source().endsWith(run.checkpoint()), model.source());
        assertEquals("3", model.provenance().get("seed"));
        assertArrayEquals(TrainRuns.bits(TrainRuns.load(spark(), run.checkpoint()).master()), TrainRuns.bits(model.weights()));
    }

    @Test
    public void predictionsReachTheAccuracyTrainingMeasured() {
        Dataset<Row> scored = BatchInference.transform(test(), model, ScoringOptions.defaults());
        double accuracy = accuracy(scored);
        // Classes with noise 1.0 around their centres: 60 steps reach about 0.95 on the test set (chance: 0.25).
        assertAtLeast("test accuracy of the scored rows", accuracy, 0.85);
        // Same forward pass as the evaluator: features rounded to FP16 as the cache holds them, dropout off.
        assertEquals(num(run.printed(), "test_accuracy"),
                accuracy, 1.0 / 300, "accuracy of transform vs the training run's test evaluation");
    }

    @Test
    public void classifierColumnsFollowSparkMl() {
        Dataset<Row> scored = BatchInference.transform(test(), model, ScoringOptions.defaults());
        StructType schema = scored.schema();
        assertArrayEquals(new String[] {"label", "features", "rawPrediction", "probability", "prediction"}, scored.columns());
        assertEquals(SQLDataTypes.VectorType(), schema.apply("rawPrediction").dataType());
        assertEquals(SQLDataTypes.VectorType(), schema.apply("probability").dataType());
        assertEquals(DataTypes.DoubleType, schema.apply("prediction").dataType());
        for (Row row : scored.collectAsList()) {
            Vector raw = row.getAs("rawPrediction");
            Vector p = row.getAs("probability");
            assertEquals(CLASSES, raw.size());
            double sum = 0;
            for (int j = 0; j < CLASSES; j++) {
                sum += p.apply(j);
                // softmax: p_j / p_0 = exp(raw_j - raw_0)
                assertEquals(Math.exp(raw.apply(j) - raw.apply(0)), p.apply(j) / p.apply(0), 1e-9 * Math.exp(raw.apply(j) - raw.apply(0)));
            }
            assertEquals(1.0, sum, 1e-12);
            assertEquals(raw.argmax(), (int) row.getDouble(row.fieldIndex("prediction")));
        }
    }

    @Test
    public void otherColumnsAreKeptAsTheyWere() {
        Dataset<Row> input = test().withColumn("id", functions.monotonically_increasing_id())
                .withColumn("note", functions.concat(functions.lit("row-"), col("label").cast("string")))
                .withColumn("maybe", functions.when(col("label").equalTo(1), functions.lit(null)).otherwise(col("label").multiply(0.5)));
        Dataset<Row> scored = BatchInference.transform(input, model, ScoringOptions.defaults());
        assertEquals(List.of("label", "features", "id", "note", "maybe", "rawPrediction", "probability", "prediction"),
                List.of(scored.columns()));
        Dataset<Row> kept = scored.select("label", "features", "id", "note", "maybe");
        Assertions.assertTrue(kept.exceptAll(input).isEmpty() && input.exceptAll(kept).isEmpty(), "every input column is kept unchanged");
    }

    @Test
    public void vectorAndScalarFeatureColumnsScoreLikeTheArray() {
        Dataset<Row> input = test().withColumn("id", functions.monotonically_increasing_id());
        Column[] columns = new Column[FEATURES + 2];
        columns[0] = col("id");
        columns[1] = col("label");
        List<String> names = new ArrayList<>();
        for (int j = 0; j < FEATURES; j++) {
            names.add("f" + j);
            columns[j + 2] = col("features").getItem(j).cast("double").as("f" + j);
        }
        Dataset<Row> wide = input.select(columns);
        Dataset<Row> vectors = input.withColumn("v", org.apache.spark.ml.functions.array_to_vector(col("features"))).drop("features");

        // Parquet's non-null float elements arrive as a primitive array, nullable ones as boxed values: two read paths.
        Dataset<Row> nullable = input.withColumn("boxed", col("features").cast(DataTypes.createArrayType(DataTypes.DoubleType, true)))
                .drop("features");
        Map<Long, Double> byArray = predictions(BatchInference.transform(input, model, ScoringOptions.defaults()));
        Map<Long, Double> byBoxed = predictions(BatchInference.transform(nullable, model, ScoringOptions.defaults().withFeaturesCol("boxed")));
        Map<Long, Double> byVector = predictions(BatchInference.transform(vectors, model, ScoringOptions.defaults().withFeaturesCol("v")));
        Map<Long, Double> byScalars = predictions(BatchInference.transform(wide, model, ScoringOptions.defaults().withFeatureCols(names)));
        assertEquals(300, byArray.size());
        assertEquals(byArray, byVector);
        assertEquals(byArray, byBoxed);
        assertEquals(byArray, byScalars);
    }

    private static Map<Long, Double> predictions(Dataset<Row> scored) {
        Map<Long, Double> out = new HashMap<>();
        for (Row r : scored.select("id", "prediction").collectAsList()) {
            out.put(r.getLong(0), r.getDouble(1));
        }
        return out;
    }

    @Test
    public void fp32ScoringAgreesWithFp16WithinHalfPrecision() {
        List<Row> half = BatchInference.transform(test(), model, ScoringOptions.defaults()).select("probability").collectAsList();
        List<Row> full = BatchInference.transform(test(), model, ScoringOptions.defaults().withPrecision(Precision.FP32))
                .select("probability").collectAsList();
        double worst = 0;
        for (int i = 0; i < half.size(); i++) {
            Vector a = half.get(i).getAs(0);
            Vector b = full.get(i).getAs(0);
            for (int j = 0; j < CLASSES; j++) {
                worst = Math.max(worst, Math.abs(a.apply(j) - b.apply(j)));
            }
        }
        // Probabilities move by about the logits' FP16 error (2 layers, unit roundoff 2^-11 on values of a few units);
        // an FP32 run that were not FP32 (or rounded nothing) would give 0 or a large difference.
        Assertions.assertTrue(worst > 0 && worst < 0.02, "largest probability difference fp16 vs fp32: " + worst);
    }

    @Test
    public void outputColumnsCanBeRenamedOrLeftOut() {
        Dataset<Row> scored = BatchInference.transform(test(), model,
                ScoringOptions.defaults().withOutputCols("pred", "", "logits"));
        assertEquals(List.of("label", "features", "logits", "pred"), List.of(scored.columns()));
        try {
            BatchInference.transform(test(), model, ScoringOptions.defaults().withOutputCols("label", "probability", "rawPrediction"));
            Assertions.fail("an output column that exists must be refused");
        } catch (ConfigException e) {
            Assertions.assertTrue(e.getMessage().contains("predictionCol: output column 'label' already exists"), e.getMessage());
        }
    }

    @Test
    public void badFeatureRowsFailNamingColumnAndRow() {
        StructType schema = new StructType().add("label", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.FloatType, true), true);
        float[] ok = new float[FEATURES];
        Float[] withNull = new Float[FEATURES];
        java.util.Arrays.fill(withNull, 0.5f);
        withNull[7] = null;
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(RowFactory.create(0, ok));
        }
        ScoringOptions options = ScoringOptions.defaults().withFeaturesCol("pixels");
        expectFailure(List.of(rows.get(0), rows.get(1), RowFactory.create(1, null)), schema, options,
                "features column 'pixels' is null in row 2 of partition 0");
        expectFailure(List.of(rows.get(0), RowFactory.create(1, new float[FEATURES - 3])), schema, options,
                "features column 'pixels' holds 13 values in row 1 of partition 0, but the model reads 16 features per row");
        expectFailure(List.of(rows.get(0), rows.get(1), rows.get(2), RowFactory.create(1, (Object) withNull)), schema, options,
                "features column 'pixels' element 7 is null in row 3 of partition 0");
        float[] nan = new float[FEATURES];
        nan[2] = Float.NaN;
        expectFailure(List.of(RowFactory.create(1, nan)), schema, options,
                "feature column 'pixels' element 2 is NaN in row 0 of partition 0; features must be finite numbers");
        try {
            BatchInference.transform(spark().createDataFrame(rows, schema), model, ScoringOptions.defaults());
            Assertions.fail("a missing features column must be refused");
        } catch (ConfigException e) {
            Assertions.assertTrue(e.getMessage().contains("features column (featuresCol) 'features' not found"), e.getMessage());
        }
    }

    private void expectFailure(List<Row> rows, StructType schema, ScoringOptions options, String message) {
        Dataset<Row> frame = spark().createDataFrame(rows, schema).coalesce(1);
        try {
            BatchInference.transform(frame, model, options).collectAsList();
            Assertions.fail("expected a failure: " + message);
        } catch (Exception e) { // SparkException is checked, though Scala does not declare it
            Throwable t = e;
            while (t != null && !(t instanceof ConfigException)) {
                t = t.getCause();
            }
            assertNotNull(t, "no ConfigException in the cause chain of " + e);
            assertEquals(message, t.getMessage());
        }
    }

    @Test
    public void regressionModelWritesOnlyThePrediction() throws Exception {
        StructType schema = RegressionRows.SCHEMA;
        List<Row> rows = RegressionRows.rows(800, 8);
        String train = newFolder(TMP, "regression").toString() + "/train";
        spark().createDataFrame(rows.subList(0, 600), schema).write().parquet(train);
        String checkpoints = newFolder(TMP, "regression-ckpt").toString();
        TrainRuns.train(spark(), TrainRuns.settings("data", train, "label-col", "y", "features-col", "x", "model", "mlp 8-32-1 relu",
                "loss", "mse", "precision", "bf16", "steps", "150", "batch-size", "64", "lr", "0.01", "partitions", "2", "seed", "2",
                "log-every", "1000", "checkpoint-dir", checkpoints));
        TrainedModel regression = TrainedModel.load(spark(), checkpoints);
        Dataset<Row> scored = BatchInference.transform(spark().createDataFrame(rows.subList(600, 800), schema), regression,
                ScoringOptions.defaults().withFeaturesCol("x"));
        assertEquals(List.of("y", "x", "prediction"), List.of(scored.columns()));
        double squares = 0;
        for (Row r : scored.collectAsList()) {
            double e = r.getDouble(2) - r.getDouble(0);
            squares += e * e;
        }
        double rmse = Math.sqrt(squares / 200);
        // Predicting the mean would give about 1.1; the linear target is easy for 150 steps of a 32-unit layer.
        Assertions.assertTrue(rmse < 0.25, "held-out RMSE " + rmse);
    }

    @Test
    public void streamingDataFrameIsScoredLikeTheBatchOne() throws Exception {
        String in = newFolder(TMP, "stream-in").toString();
        test().withColumn("id", functions.monotonically_increasing_id()).repartition(3).write().mode("overwrite").parquet(in);
        Dataset<Row> whole = spark().read().parquet(in);
        Dataset<Row> stream = spark().readStream().schema(whole.schema()).option("maxFilesPerTrigger", 1).parquet(in);
        Assertions.assertTrue(stream.isStreaming());
        Dataset<Row> scored = BatchInference.transform(stream, model, ScoringOptions.defaults());
        Assertions.assertTrue(scored.isStreaming());
        String out = newFolder(TMP, "stream-out").toString();
        // foreachBatch: each micro-batch (the streaming plan, scoring included) is written by the batch writer.
        StreamingQuery query = scored.writeStream()
                .foreachBatch((VoidFunction2<Dataset<Row>, Long>) (batch, id) -> batch.write().mode("append").parquet(out))
                .option("checkpointLocation", newFolder(TMP, "stream-state").toString())
                .trigger(Trigger.AvailableNow()).start();
        try {
            Assertions.assertTrue(query.awaitTermination(TimeUnit.MINUTES.toMillis(2)));
        } finally {
            query.stop();
        }
        Map<Long, Double> streamed = predictions(spark().read().parquet(out));
        Map<Long, Double> batched = predictions(BatchInference.transform(whole, model, ScoringOptions.defaults()));
        assertEquals(300, streamed.size());
        assertEquals(batched, streamed);
        assertFalse(streamed.isEmpty());
    }
}
