package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.DataValidationException;
import io.sparkamp.spark.data.DataValidator;
import io.sparkamp.spark.data.DatasetReader;
import io.sparkamp.spark.data.LabeledParquet;
import io.sparkamp.spark.data.TrainingTable;
import io.sparkamp.spark.data.ValidationRules;
import io.sparkamp.spark.report.Json;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code amp predict --checkpoint PATH --data PATH --out PATH}: scores a dataset with a checkpoint's
 * model on the executors and writes Parquet holding every input column plus Spark ML's prediction
 * columns. The features are checked first in one pass over the data (the same checks training makes),
 * so a dataset that does not fit the model ends with one message naming the column, row and file.
 */
public final class PredictCommand {
    static final Set<String> KEYS = Set.of("checkpoint", "data", "out", "format", "features-col", "feature-cols", "label-col", "csv-header",
            "precision", "batch-rows", "overwrite", "master");

    private PredictCommand() {
    }

    public static int run(Settings s, PrintStream out) {
        s.requireKnown(KEYS);
        for (String key : List.of("checkpoint", "data", "out")) {
            if (!s.has(key)) {
                throw new ConfigException("missing --" + key + " (usage: amp predict --checkpoint PATH --data PATH --out PATH"
                        + " [--format parquet|csv|libsvm] [--features-col C | --feature-cols A,B] [--precision fp32|fp16|bf16])");
            }
        }
        long start = System.nanoTime();
        SparkSession spark = SparkSessions.create(s.string("master", null), "spark-amp predict");
        try {
            TrainedModel model = TrainedModel.load(spark, s.string("checkpoint", null));
            ScoringOptions options = options(s);
            DataSpec spec = dataSpec(s);
            Dataset<Row> data = DatasetReader.readRaw(spark, spec);
            requireFits(data, spec, model);
            Dataset<Row> scored = BatchInference.transform(data, model, options);
            String path = s.string("out", null);
            boolean overwrite = s.bool("overwrite", false);
            LabeledParquet.requireWritable(spark, path, overwrite);
            scored.write().mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists).parquet(path);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("command", "predict");
            summary.put("checkpoint", model.source());
            summary.put("model", model.spec().toSpecString());
            summary.put("loss", model.loss());
            summary.put("precision", (options.precision() != null ? options.precision() : model.precision()).label());
            Dataset<Row> written = spark.read().parquet(path);
            summary.put("rows", written.count());
            summary.put("columns", Arrays.asList(scored.columns()));
            labelMetric(written, s.string("label-col", DataSpec.DEFAULT_LABEL), model, summary);
            summary.put("out", path);
            summary.put("seconds", (System.nanoTime() - start) / 1e9);
            out.println(Json.line(summary));
            return 0;
        } finally {
            spark.stop();
        }
    }

    /**
     * When the data carries labels (a numeric {@code --label-col}, default "label"): the accuracy of the written
     * predictions for a classifier, their root mean squared error for a regressor.
     */
    private static void labelMetric(Dataset<Row> written, String labelCol, TrainedModel model, Map<String, Object> summary) {
        if (!Arrays.asList(written.columns()).contains(labelCol)
                || !(written.schema().apply(labelCol).dataType() instanceof org.apache.spark.sql.types.NumericType)) {
            return;
        }
        Column label = functions.col(labelCol).cast("double");
        Column prediction = functions.col(ScoringOptions.defaults().predictionCol());
        if (OutputHead.of(model.loss(), model.outputSize()).classifier()) {
            summary.put("accuracy", written.agg(functions.avg(functions.when(prediction.equalTo(label), 1.0).otherwise(0.0)))
                    .head().getDouble(0));
        } else {
            summary.put("rmse", Math.sqrt(written.agg(functions.avg(functions.pow(prediction.minus(label), 2))).head().getDouble(0)));
        }
    }

    private static ScoringOptions options(Settings s) {
        ScoringOptions options = ScoringOptions.defaults().withBatchRows(s.integer("batch-rows", ScoringOptions.DEFAULT_BATCH_ROWS));
        if (s.has("precision")) {
            try {
                options = options.withPrecision(Precision.parse(s.string("precision", null), "--precision"));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(e.getMessage());
            }
        }
        List<String> cols = featureCols(s);
        return cols.isEmpty() ? options.withFeaturesCol(s.string("features-col", DataSpec.DEFAULT_FEATURES))
                : options.withFeatureCols(cols);
    }

    private static DataSpec dataSpec(Settings s) {
        List<String> cols = featureCols(s);
        return new DataSpec(s.string("data", null), DataSpec.Format.parse(s.string("format", "parquet")),
                s.string("label-col", DataSpec.DEFAULT_LABEL),
                cols.isEmpty() ? s.string("features-col", null) : null, cols, s.bool("csv-header", true));
    }

    private static List<String> featureCols(Settings s) {
        String cols = s.string("feature-cols", "");
        return Arrays.stream(cols.split(",")).map(String::trim).filter(c -> !c.isEmpty()).collect(Collectors.toList());
    }

    /**
     * Every row's features checked against the model in one pass, with the validator training uses (nulls,
     * width, non-finite values), so a mismatch is reported before anything is written.
     */
    private static void requireFits(Dataset<Row> data, DataSpec spec, TrainedModel model) {
        Dataset<Row> features = data.select(functions.lit(0f).as(TrainingTable.LABEL),
                DatasetReader.featuresColumn(data.schema(), spec).as(TrainingTable.FEATURES));
        List<String> sources = spec.assemblesFeatures() ? spec.featureCols() : List.of(spec.featuresCol());
        TrainingTable table = new TrainingTable(features, model.inputSize(), -1, spec.describe(), "(none)", sources,
                spec.assemblesFeatures());
        try {
            DataValidator.validate(table, model.inputSize(), ValidationRules.finiteLabels());
        } catch (DataValidationException e) {
            String problems = e.problems().stream().map(p -> "\n  - " + p.describe()).collect(Collectors.joining());
            throw new ConfigException("the data in " + spec.describe() + " does not fit the model of " + model.source()
                    + " (" + model.inputSize() + " features per row); nothing was written:" + problems);
        }
    }
}
