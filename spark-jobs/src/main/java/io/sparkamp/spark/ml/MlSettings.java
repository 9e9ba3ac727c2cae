package io.sparkamp.spark.ml;

import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.inference.PredictCommand;

import java.util.List;

/**
 * Which setting declarations the Spark ML stages take as Params (each becomes a Param named in camel case:
 * {@code batch-size} is {@code batchSize}, {@code features-col} is Spark's {@code featuresCol}), plus the
 * output-column settings only the Spark ML surface has, declared here with Spark's names and defaults.
 */
public final class MlSettings {
    private MlSettings() {
    }

    public static final Setting<String> PREDICTION_COL = Setting.text("prediction-col", "columns", "prediction",
            "prediction column name: the class index (classifier) or the predicted value (regressor)");
    public static final Setting<String> PROBABILITY_COL = Setting.text("probability-col", "columns", "probability",
            "column name for predicted class probabilities (a vector); empty leaves it out");
    public static final Setting<String> RAW_PREDICTION_COL = Setting.text("raw-prediction-col", "columns", "rawPrediction",
            "raw prediction (a.k.a. confidence) column name: the logits (a vector); empty leaves it out");

    /** The data and run settings an estimator takes besides the engine's (the training data is fit's DataFrame). */
    static final List<Setting<?>> JOB = List.of(JobSettings.LABEL_COL, JobSettings.FEATURES_COL, JobSettings.FEATURE_COLS,
            JobSettings.TEST_DATA, JobSettings.FORMAT, JobSettings.CSV_HEADER, JobSettings.PARTITIONS, JobSettings.INPUT_STORAGE,
            JobSettings.CHECKPOINT_DIR, JobSettings.CHECKPOINT_EVERY, JobSettings.RESUME, JobSettings.OVERWRITE,
            JobSettings.ALLOW_CHANGED, JobSettings.METRICS, JobSettings.LOG_EVERY, JobSettings.EVAL_EVERY, JobSettings.TARGET_ACCURACY,
            JobSettings.TRANSPORT, JobSettings.TRANSPORT_PORT);

    /** An estimator's Params: the engine's settings, the job's above, and the output columns. */
    static List<Setting<?>> estimator(boolean classifier) {
        return JobSettings.concat(EngineSettings.ALL, JOB, columns(classifier));
    }

    /** A model's Params: where the features are, the output columns, the scoring precision and batch size. */
    static List<Setting<?>> model(boolean classifier) {
        return JobSettings.concat(List.of(JobSettings.FEATURES_COL, JobSettings.FEATURE_COLS), columns(classifier),
                List.of(EngineSettings.PRECISION.derivedDefault("the model's"), PredictCommand.BATCH_ROWS));
    }

    private static List<Setting<?>> columns(boolean classifier) {
        return classifier ? List.of(PREDICTION_COL, PROBABILITY_COL, RAW_PREDICTION_COL) : List.of(PREDICTION_COL);
    }
}
