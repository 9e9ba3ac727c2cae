package io.sparkamp.spark.ml;

import static io.sparkamp.spark.TrainRuns.assertAtLeast;
import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.data.SparkDataTestBase;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Pipeline example of the README's "Use the model" section, compiled and run here on a small
 * quickstart-like set; the test also checks that the README shows exactly this code.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
public class ReadmeExampleTest extends SparkDataTestBase {
    @TempDir
    static Path TMP;

    @Override
    public SparkConf conf() {
        // As a user's session: the project's Kryo defaults, registration not enforced (Spark's default).
        return SparkSessions.applyKryoDefaults(super.conf()).set("spark.kryo.registrationRequired", "false");
    }

    /** The README example; returns the test accuracy it prints. */
    public static double example(SparkSession spark, String trainPath, String testPath, String modelPath) throws IOException {
        // README:begin
        Dataset<Row> train = spark.read().parquet(trainPath).withColumn("vector", array_to_vector(col("features")));
        Dataset<Row> test = spark.read().parquet(testPath).withColumn("vector", array_to_vector(col("features")));

        MixedPrecisionClassifier classifier = new MixedPrecisionClassifier()
                .setModel("mlp 64-128-64-10 relu")      // 64 features in, 10 classes out
                .setPrecision("bf16")                   // fp16 (the default), bf16 or fp32
                .setLr(0.003f)
                .setBatchSize(256)
                .setEpochs(5f)
                .setFeaturesCol("scaled");              // labelCol "label", as in Spark ML
        PipelineModel model = new Pipeline().setStages(new PipelineStage[] {
                new StandardScaler().setInputCol("vector").setOutputCol("scaled"),
                classifier}).fit(train);

        Dataset<Row> scored = model.transform(test);    // + rawPrediction, probability, prediction
        double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
        model.write().overwrite().save(modelPath);      // metadata/ + the weights as a Parquet checkpoint

        MixedPrecisionClassificationModel fitted = (MixedPrecisionClassificationModel) model.stages()[1];
        System.out.println("test accuracy " + accuracy + ", " + fitted.summary().steps().size() + " steps, "
                + fitted.summary().skippedSteps() + " skipped, " + Math.round(fitted.summary().samplesPerSecond()) + " samples/s");
        // README:end
        return accuracy;
    }

    @Test
    public void exampleRunsAsTheReadmeShowsIt() throws Exception {
        String data = newFolder(TMP, "quickstart").toString();
        SyntheticDataWriter.write(spark(), data, SyntheticDataWriter.Options.quickstart(2000), true);
        String modelPath = TMP.toFile().toPath().resolve("model").toString();
        double accuracy = example(spark(), data + "/train", data + "/test", modelPath);
        // 10 classes (chance 0.1) 0.5 apart from their centres' noise: separable, 1.0 when measured
        assertAtLeast("test accuracy of the README example", accuracy, 0.95);
        assertEquals(2, PipelineModel.load(modelPath).stages().length);

        String source = Files.readString(Path.of("src/test/java/io/sparkamp/spark/ml/ReadmeExampleTest.java"));
        String block = source.substring(source.indexOf("// README:begin") + "// README:begin".length(), source.indexOf("// README:end"));
        String code = Arrays.stream(block.split("\n")).map(line -> line.length() >= 8 ? line.substring(8) : line.strip())
                .collect(Collectors.joining("\n")).strip();
        String readme = Files.readString(Path.of("../README.md"));
        Assertions.assertTrue(readme.contains(code), "README.md shows the example exactly as compiled here:\n" + code);
    }
}
