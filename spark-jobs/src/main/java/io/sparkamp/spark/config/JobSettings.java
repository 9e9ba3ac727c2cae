package io.sparkamp.spark.config;

import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;

import java.util.ArrayList;
import java.util.List;

/**
 * The declarations of the Spark job's own settings (data, checkpoints, reporting), beside the engine's
 * in {@link EngineSettings}. The CLI, config files, --help and the README's settings table all read
 * them from here.
 */
public final class JobSettings {
    private JobSettings() {
    }

    public static final Setting<String> DATA = Setting.text("data", "data", null,
            "training data path (file, directory or glob; any Hadoop file system)");
    public static final Setting<String> TEST_DATA = Setting.text("test-data", "data", null,
            "test data path, same format and columns as data");
    public static final Setting<String> FORMAT = Setting.choice("format", "data", "parquet",
            "data format: parquet, csv (typed schema inferred) or libsvm", "parquet", "csv", "libsvm");
    public static final Setting<String> LABEL_COL = Setting.text("label-col", "data", "label",
            "label column (a class index for softmax_ce)");
    public static final Setting<String> FEATURES_COL = Setting.text("features-col", "data", "features",
            "an array<numeric> or Spark ML vector column holding the features");
    public static final Setting<String> FEATURE_COLS = Setting.text("feature-cols", "data", null,
            "instead of features-col: numeric columns, comma-separated, assembled in order");
    public static final Setting<Boolean> CSV_HEADER = Setting.flag("csv-header", "data", true,
            "csv: the first line holds the column names");
    public static final Setting<Integer> PARTITIONS = Setting.integer("partitions", "data", 0,
            "partitions of the cached data (0 = Spark's default parallelism)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Integer> REPLICATE = Setting.integer("replicate", "data", 1,
            "repeat every training row N times (benchmarking throughput against data size)").accepting(v -> v >= 1, ">= 1");
    public static final Setting<String> INPUT_STORAGE = Setting.choice("input-storage", "data", "auto",
            "precision the cached features are stored in: auto (the run's; fp32 when the model starts with an embedding) "
                    + "or fp32 (for features beyond FP16's range in front of a layernorm); compute precision is unchanged",
            "auto", "fp32");
    public static final Setting<String> CHECKPOINT_DIR = Setting.text("checkpoint-dir", "checkpoints", null,
            "directory of this run's checkpoints (Parquet)");
    public static final Setting<Long> CHECKPOINT_EVERY = Setting.longValue("checkpoint-every", "checkpoints", 0L,
            "steps between checkpoints (0 = at the end only)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Boolean> RESUME = Setting.flag("resume", "checkpoints", false,
            "continue the run in checkpoint-dir from its newest intact checkpoint (corrupt newer ones are moved aside)");
    public static final Setting<Boolean> OVERWRITE = Setting.flag("overwrite", "checkpoints", false,
            "start a new run in a checkpoint-dir that holds another run's checkpoints: deletes them (each named in the log) "
                    + "and moves corrupt ones aside");
    public static final Setting<String> ALLOW_CHANGED = Setting.text("allow-changed", "checkpoints", null,
            "with resume: settings that may differ from the checkpoint's, comma-separated (e.g. precision,loss-scale); "
                    + "recorded in its provenance");
    public static final Setting<String> METRICS = Setting.text("metrics", "reporting", null,
            "file that gets one JSON line per step");
    public static final Setting<Integer> LOG_EVERY = Setting.integer("log-every", "reporting", 50,
            "steps between progress lines on stderr").accepting(v -> v > 0, "> 0");
    public static final Setting<Long> EVAL_EVERY = Setting.longValue("eval-every", "reporting", 0L,
            "steps between test-set evaluations during training (0 = at the end only)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Float> TARGET_ACCURACY = Setting.number("target-accuracy", "reporting", 0f,
            "stop at the first evaluation at or above this test accuracy (0 = off; needs eval-every)")
            .accepting(v -> v >= 0 && v <= 1, "in [0, 1]");
    public static final Setting<String> MASTER = Setting.text("master", "spark", null,
            "Spark master (default: spark-submit's, else local[*])").derivedDefault("local[*] / spark-submit's");
    public static final Setting<String> TRANSPORT = Setting.choice("transport", "spark", "auto",
            "how each step's gradients reach the driver: jobs (one Spark job per step), barrier (long-lived tasks in one "
                    + "barrier stage exchanging gradients and weights with the driver over gRPC), or auto (barrier where Spark "
                    + "allows it: no dynamic allocation, a slot per partition, partitions fit the executors' decoded budget)",
            "auto", "jobs", "barrier");
    public static final Setting<Integer> TRANSPORT_PORT = Setting.integer("transport-port", "spark", 0,
            "driver port the barrier transport listens on (0 = any free port)").accepting(v -> v >= 0 && v <= 65535, "in [0, 65535]");

    /** The job's own settings, in the order --help lists them. */
    public static final List<Setting<?>> JOB = List.of(DATA, TEST_DATA, FORMAT, LABEL_COL, FEATURES_COL, FEATURE_COLS,
            CSV_HEADER, PARTITIONS, REPLICATE, INPUT_STORAGE, CHECKPOINT_DIR, CHECKPOINT_EVERY, RESUME, OVERWRITE, ALLOW_CHANGED,
            METRICS, LOG_EVERY, EVAL_EVERY, TARGET_ACCURACY, MASTER, TRANSPORT, TRANSPORT_PORT);

    /** Every setting of a training job: the engine's, then the job's. */
    public static final List<Setting<?>> TRAINING = concat(EngineSettings.ALL, JOB);

    /** The data settings other commands (evaluate, predict) read the same way as train. */
    public static final List<Setting<?>> DATA_COLUMNS = List.of(DATA, FORMAT, LABEL_COL, FEATURES_COL, FEATURE_COLS,
            CSV_HEADER, PARTITIONS, INPUT_STORAGE);

    @SafeVarargs
    public static List<Setting<?>> concat(List<Setting<?>>... lists) {
        List<Setting<?>> all = new ArrayList<>();
        for (List<Setting<?>> list : lists) {
            all.addAll(list);
        }
        return List.copyOf(all);
    }

    /** The keys of {@code settings}, for {@code Settings.requireKnown}. */
    public static java.util.Set<String> keys(List<Setting<?>> settings) {
        java.util.Set<String> keys = new java.util.LinkedHashSet<>();
        for (Setting<?> s : settings) {
            keys.add(s.key());
        }
        return keys;
    }
}
