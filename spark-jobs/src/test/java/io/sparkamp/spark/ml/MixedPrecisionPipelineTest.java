package io.sparkamp.spark.ml;

import static io.sparkamp.spark.TrainRuns.assertAtLeast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.SparkDataTestBase;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.StringIndexer;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.ml.tuning.TrainValidationSplit;
import org.apache.spark.ml.tuning.TrainValidationSplitModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.collection.JavaConverters;

/**
 * The classifier as one stage of a Spark ML Pipeline (StringIndexer for text labels, VectorAssembler of
 * numeric columns, StandardScaler), tuned by CrossValidator and TrainValidationSplit over a grid of
 * precision and learning rate, and the fitted PipelineModel saved and loaded. Runs with the project's Kryo
 * defaults as a user's session has them (registration not enforced: Spark ML's own stages send classes of
 * theirs).
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
public class MixedPrecisionPipelineTest extends SparkDataTestBase {
    @TempDir
    static Path TMP;

    static final int FEATURES = 16;
    private static String data;

    @Override
    public SparkConf conf() {
        // The surefire run makes every SparkConf refuse unregistered classes; a user's session does not (Spark's default).
        return SparkSessions.applyKryoDefaults(super.conf()).set("spark.kryo.registrationRequired", "false");
    }

    @BeforeEach
    public void writeDataOnce() throws Exception {
        if (data == null) {
            data = newFolder(TMP, "synthetic").toString();
            SyntheticDataWriter.write(spark(), data, new SyntheticDataWriter.Options(800, 300, FEATURES, 4, 1.0f, 7L), true);
        }
    }

    /** The synthetic set as a user might hold it: a text label and one numeric column per feature. */
    private Dataset<Row> table(String split) {
        Column[] columns = new Column[FEATURES + 1];
        columns[0] = concat(lit("kind-"), col("label").cast("string")).as("kind");
        for (int j = 0; j < FEATURES; j++) {
            columns[j + 1] = col("features").getItem(j).multiply(10).plus(j).as("f" + j); // unscaled on purpose
        }
        return spark().read().parquet(data + "/" + split).select(columns);
    }

    private static String[] featureNames() {
        String[] names = new String[FEATURES];
        for (int j = 0; j < FEATURES; j++) {
            names[j] = "f" + j;
        }
        return names;
    }

    private static MixedPrecisionClassifier classifier() {
        return new MixedPrecisionClassifier().setFeaturesCol("scaled").setLabelCol("kindIndex").setModel("mlp 16-32-4 relu")
                .setSteps(30).setBatchSize(64).setSeed(5).setSetting(JobSettings.PARTITIONS, 2).setSetting(JobSettings.LOG_EVERY, 1000);
    }

    private static Pipeline pipeline(MixedPrecisionClassifier classifier) {
        return new Pipeline().setStages(new PipelineStage[] {
                new StringIndexer().setInputCol("kind").setOutputCol("kindIndex"),
                new VectorAssembler().setInputCols(featureNames()).setOutputCol("raw"),
                new StandardScaler().setInputCol("raw").setOutputCol("scaled").setWithMean(true),
                classifier});
    }

    private static MulticlassClassificationEvaluator accuracy() {
        return new MulticlassClassificationEvaluator().setLabelCol("kindIndex").setMetricName("accuracy");
    }

    private static ParamMap[] grid(MixedPrecisionClassifier classifier) {
        return new ParamGridBuilder()
                .addGrid(classifier.param(EngineSettings.PRECISION), JavaConverters.asScalaBuffer(List.of("fp32", "bf16")))
                .addGrid(classifier.param(EngineSettings.LR), JavaConverters.asScalaBuffer(List.of(0.01f, 0.001f)))
                .build();
    }

    @Test
    public void pipelineTrainsScoresSavesAndLoads() throws Exception {
        PipelineModel model = pipeline(classifier().setLr(0.01f)).fit(table("train"));
        Dataset<Row> scored = model.transform(table("test"));
        // Text labels, unscaled columns: the indexer, assembler and scaler feed the classifier; chance is 0.25.
        assertAtLeast("test accuracy through the pipeline", accuracy().evaluate(scored), 0.85);

        String path = TMP.toFile().toPath().resolve("pipeline-model").toString();
        model.write().save(path);
        PipelineModel loaded = PipelineModel.load(path);
        assertEquals(scored.select("rawPrediction", "probability", "prediction").collectAsList(),
                loaded.transform(table("test")).select("rawPrediction", "probability", "prediction").collectAsList());
    }

    @Test
    public void crossValidatorTunesPrecisionAndLearningRate() {
        MixedPrecisionClassifier classifier = classifier();
        ParamMap[] grid = grid(classifier);
        CrossValidatorModel cv = new CrossValidator().setEstimator(pipeline(classifier)).setEstimatorParamMaps(grid)
                .setEvaluator(accuracy()).setNumFolds(2).setSeed(11).setCollectSubModels(true).fit(table("train"));
        assertEquals(4, cv.avgMetrics().length);
        // Every candidate was trained in the precision of its grid point.
        for (int i = 0; i < grid.length; i++) {
            String precision = (String) grid[i].apply(classifier.param(EngineSettings.PRECISION));
            for (Model<?>[] fold : cv.subModels()) {
                PipelineModel candidate = (PipelineModel) fold[i];
                assertEquals(precision, ((MixedPrecisionClassificationModel) candidate.stages()[3]).trainedModel().precision().label());
            }
        }
        double best = 0;
        for (double m : cv.avgMetrics()) {
            best = Math.max(best, m);
        }
        assertAtLeast("best cross-validated accuracy", best, 0.8);
        assertAtLeast("test accuracy of the best model", accuracy().evaluate(cv.transform(table("test"))), 0.85);
    }

    @Test
    public void trainValidationSplitTunesPrecisionAndLearningRate() {
        MixedPrecisionClassifier classifier = classifier();
        TrainValidationSplitModel split = new TrainValidationSplit().setEstimator(pipeline(classifier))
                .setEstimatorParamMaps(grid(classifier)).setEvaluator(accuracy()).setTrainRatio(0.75).setSeed(11).fit(table("train"));
        assertEquals(4, split.validationMetrics().length);
        assertAtLeast("test accuracy of the best model", accuracy().evaluate(split.transform(table("test"))), 0.85);
    }
}
