package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;

import java.util.List;

/**
 * The declarations of {@code amp stream-train}'s own settings (source, trigger, work per micro-batch,
 * replay, schedule horizon); its --help, the check for unknown keys and {@link StreamConfig} read them.
 * The engine's settings apply as in {@code amp train}, except {@code steps} and {@code epochs}: a stream
 * has no end, so the work is set per micro-batch instead.
 */
public final class StreamingSettings {
    private StreamingSettings() {
    }

    public static final Setting<String> FORMAT = Setting.choice("format", "stream", "parquet",
            "format of the files landing in data (csv needs schema; kafka reads JSON records from topic data)",
            "parquet", "csv", "json", "kafka");
    public static final Setting<String> SCHEMA = Setting.text("schema", "stream", null,
            "columns of the stream as Spark DDL, e.g. 'label INT, x1 DOUBLE, x2 DOUBLE' (required for csv and kafka;"
                    + " parquet and json take it from the files present at start)");
    public static final Setting<String> KAFKA_SERVERS = Setting.text("kafka-servers", "stream", null,
            "kafka: bootstrap servers, host:port[,host:port]; needs spark-sql-kafka-0-10 on the classpath");
    public static final Setting<String> TRIGGER = Setting.text("trigger", "stream", "available-now",
            "when micro-batches run: an interval (30s, 5m, 500ms), available-now (everything new, then stop) or once")
            .accepting(v -> StreamTrigger.isValid(v), "an interval like 30s, available-now or once");
    public static final Setting<Long> STEPS_PER_BATCH = Setting.longValue("steps-per-batch", "stream", 0L,
            "optimizer steps per micro-batch (0 = derive from epochs-per-batch)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Float> EPOCHS_PER_BATCH = Setting.number("epochs-per-batch", "stream", 1f,
            "passes over each micro-batch (and its replay window) when steps-per-batch is 0")
            .accepting(v -> v > 0, "> 0");
    public static final Setting<Integer> REPLAY_BATCHES = Setting.integer("replay-batches", "stream", 0,
            "train each micro-batch together with the rows of the previous N applied micro-batches (kept as Parquet"
                    + " under checkpoint-dir)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Long> SCHEDULE_STEPS = Setting.longValue("schedule-steps", "stream", 0L,
            "optimizer steps the learning-rate schedule spans over the stream's life (cosine needs it; after it the"
                    + " rate stays at min-lr)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Integer> MAX_FILES_PER_TRIGGER = Setting.integer("max-files-per-trigger", "stream", 0,
            "files per micro-batch at most (0 = every new file)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<Long> MAX_BATCHES = Setting.longValue("max-batches", "stream", 0L,
            "stop after applying this many micro-batches in this session (0 = run until the trigger ends or the process"
                    + " is stopped)").accepting(v -> v >= 0, ">= 0");
    public static final Setting<String> BATCH_METRICS = Setting.text("batch-metrics", "reporting", null,
            "file that gets one JSON line per micro-batch").derivedDefault("checkpoint-dir/micro-batches.jsonl");

    /** Every setting of {@code amp stream-train}, in --help order. */
    public static final List<Setting<?>> ALL = JobSettings.concat(
            EngineSettings.ALL.stream().filter(s -> s != EngineSettings.STEPS && s != EngineSettings.EPOCHS).toList(),
            List.of(JobSettings.DATA, FORMAT, SCHEMA, KAFKA_SERVERS, JobSettings.LABEL_COL, JobSettings.FEATURES_COL,
                    JobSettings.FEATURE_COLS, JobSettings.CSV_HEADER, JobSettings.PARTITIONS, JobSettings.INPUT_STORAGE, TRIGGER, STEPS_PER_BATCH,
                    EPOCHS_PER_BATCH, REPLAY_BATCHES, SCHEDULE_STEPS, MAX_FILES_PER_TRIGGER, MAX_BATCHES,
                    JobSettings.CHECKPOINT_DIR, JobSettings.METRICS, BATCH_METRICS, JobSettings.MASTER));
}
