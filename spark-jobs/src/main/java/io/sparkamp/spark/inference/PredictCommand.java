package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.cli.CheckpointArgs;
import io.sparkamp.spark.cli.Command;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.DataValidationException;
import io.sparkamp.spark.data.DataValidator;
import io.sparkamp.spark.data.DatasetReader;
import io.sparkamp.spark.datasets.LabeledParquet;
import io.sparkamp.spark.data.TrainingTable;
import io.sparkamp.spark.data.ValidationRules;
import io.sparkamp.spark.json.Json;
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
import java.util.stream.Collectors;

/**
 * {@code amp predict --checkpoint PATH --data PATH --out PATH}: scores a dataset with a checkpoint's
 * model on the executors and writes Parquet holding every input column plus Spark ML's prediction
 * columns. The features are checked first in one pass over the data (the same checks training makes),
 * so a dataset that does not fit the model ends with one message naming the column, row and file.
 */
public final class PredictCommand implements Command {
    public static final Setting<String> OUT = Setting.text("out", "output", null, "output directory (Parquet)");
    public static final Setting<Boolean> OVERWRITE = Setting.flag("overwrite", "output", false, "replace an existing output");
    public static final Setting<Integer> BATCH_ROWS = Setting.integer("batch-rows", "scoring", ScoringOptions.DEFAULT_BATCH_ROWS,
            "rows per forward pass").accepting(v -> v > 0, "> 0");
    static final List<Setting<?>> SETTINGS = List.of(CheckpointArgs.CHECKPOINT, JobSettings.DATA, JobSettings.FORMAT,
            JobSettings.LABEL_COL, JobSettings.FEATURES_COL, JobSettings.FEATURE_COLS, JobSettings.CSV_HEADER,
            EngineSettings.PRECISION.derivedDefault("the checkpoint's"), BATCH_ROWS, OUT, OVERWRITE, JobSettings.MASTER);

    @Override
    public String name() {
        return "predict";
    }

    @Override
    public String summary() {
        return "score a dataset with a checkpoint's model; Parquet with every input column plus the predictions";
    }

    @Override
    public String usage() {
        return "amp predict --checkpoint PATH --data PATH --out PATH [--key value ...]";
    }

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    @Override
    public int run(Settings s, PrintStream out) {
        for (Setting<?> required : List.of(CheckpointArgs.CHECKPOINT, JobSettings.DATA, OUT)) {
            if (!required.isSet(s)) {
                throw new ConfigException("missing --" + required.key() + " (" + usage() + ")");
            }
        }
        long start = System.nanoTime();
        SparkSession spark = SparkSessions.create(JobSettings.MASTER.get(s), "spark-amp predict");
        try {
            TrainedModel model = TrainedModel.load(spark, CheckpointArgs.CHECKPOINT.get(s));
            ScoringOptions options = options(s);
            DataSpec spec = dataSpec(s);
            Dataset<Row> data = DatasetReader.readRaw(spark, spec);
            requireFits(data, spec, model);
            Dataset<Row> scored = BatchInference.transform(data.drop(TrainingTable.MALFORMED), model, options);
            String path = OUT.get(s);
            boolean overwrite = OVERWRITE.get(s);
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
            labelMetric(written, JobSettings.LABEL_COL.get(s), model, summary);
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
        ScoringOptions options = ScoringOptions.defaults().withBatchRows(BATCH_ROWS.get(s));
        if (EngineSettings.PRECISION.isSet(s)) {
            options = options.withPrecision(Precision.parse(EngineSettings.PRECISION.get(s), "precision"));
        }
        List<String> cols = featureCols(s);
        return cols.isEmpty() ? options.withFeaturesCol(JobSettings.FEATURES_COL.get(s)) : options.withFeatureCols(cols);
    }

    private static DataSpec dataSpec(Settings s) {
        List<String> cols = featureCols(s);
        return new DataSpec(JobSettings.DATA.get(s), DataSpec.Format.parse(JobSettings.FORMAT.get(s)), JobSettings.LABEL_COL.get(s),
                cols.isEmpty() || JobSettings.FEATURES_COL.isSet(s) ? JobSettings.FEATURES_COL.get(s) : null, cols,
                JobSettings.CSV_HEADER.get(s));
    }

    private static List<String> featureCols(Settings s) {
        String cols = JobSettings.FEATURE_COLS.get(s);
        return cols == null ? List.of()
                : Arrays.stream(cols.split(",")).map(String::trim).filter(c -> !c.isEmpty()).collect(Collectors.toList());
    }

    /**
     * Every row's features checked against the model in one pass, with the validator training uses (nulls,
     * width, non-finite values), so a mismatch is reported before anything is written.
     */
    private static void requireFits(Dataset<Row> data, DataSpec spec, TrainedModel model) {
        Column label = functions.lit(0f).as(TrainingTable.LABEL);
        Column features = DatasetReader.featuresColumn(data.schema(), spec, spec.describe()).as(TrainingTable.FEATURES);
        boolean text = Arrays.asList(data.columns()).contains(TrainingTable.MALFORMED);
        Dataset<Row> rows = text ? data.select(label, features, functions.col(TrainingTable.MALFORMED)) : data.select(label, features);
        List<String> sources = spec.assemblesFeatures() ? spec.featureCols() : List.of(spec.featuresCol());
        TrainingTable table = new TrainingTable(rows, model.inputSize(), -1, spec.describe(), "(none)", sources,
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
