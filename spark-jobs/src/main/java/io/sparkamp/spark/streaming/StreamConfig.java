package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.InputStorage;

import java.util.Locale;

/**
 * The settings of a streaming training job, validated once; errors name the key.
 *
 * @param train              engine settings (steps and epochs are not read: see stepsPerBatch)
 * @param source             where the stream comes from, e.g. {@code parquet data/incoming}
 * @param format             parquet, csv, json or kafka
 * @param data               the watched directory (or, for kafka, the topic)
 * @param columns            label and feature columns (its path and format are not read)
 * @param schema             the stream's columns as Spark DDL, or null to take them from the files present at start
 * @param kafkaServers       kafka bootstrap servers, or null
 * @param csvHeader          csv: the first line of every file holds the column names
 * @param trigger            when micro-batches run
 * @param stepsPerBatch      optimizer steps per micro-batch, or 0 to derive them from epochsPerBatch
 * @param epochsPerBatch     passes over each micro-batch's training rows when stepsPerBatch is 0
 * @param replayBatches      earlier micro-batches trained together with each new one
 * @param scheduleSteps      optimizer steps the learning-rate schedule spans (0: only a constant or step schedule)
 * @param maxFilesPerTrigger files per micro-batch at most (0 = no limit)
 * @param maxBatches         micro-batches to apply in this session before stopping (0 = no limit)
 * @param partitions         partitions of each micro-batch's cached data (0 = Spark's default parallelism)
 * @param inputStorage       precision the cached features are stored in
 * @param checkpointDir      holds the model commits, Spark's stream checkpoint and the replay window
 * @param metricsPath        one JSON line per optimizer step, or null
 * @param batchMetricsPath   one JSON line per micro-batch
 * @param master             Spark master, or null for spark-submit's / local[*]
 * @param settings           the raw settings, recorded in every commit
 */
public record StreamConfig(TrainConfig train, String source, String format, String data, DataSpec columns, String schema,
                           String kafkaServers, boolean csvHeader, StreamTrigger trigger, long stepsPerBatch,
                           float epochsPerBatch, int replayBatches, long scheduleSteps, int maxFilesPerTrigger,
                           long maxBatches, int partitions, InputStorage inputStorage, String checkpointDir, String metricsPath,
                           String batchMetricsPath, String master, Settings settings) {

    public StreamConfig {
        if (train.schedule().kind().equals("cosine") && scheduleSteps == 0) {
            throw new ConfigException("schedule cosine needs schedule-steps on a stream (a stream has no last step;"
                    + " set the optimizer steps the decay should span, or use schedule constant)");
        }
        if ((format.equals("csv") || format.equals("kafka")) && schema == null) {
            throw new ConfigException("format " + format + " needs schema (the stream's columns as Spark DDL, e.g."
                    + " 'label INT, x1 DOUBLE, x2 DOUBLE')");
        }
        if (format.equals("kafka") && kafkaServers == null) {
            throw new ConfigException("format kafka needs kafka-servers (bootstrap servers, host:port); data is the topic");
        }
    }

    /** Reads and validates every key of a streaming job; unknown keys are errors. */
    public static StreamConfig from(Settings s) {
        s.requireKnown(JobSettings.keys(StreamingSettings.ALL));
        if (!JobSettings.DATA.isSet(s)) {
            throw new ConfigException("missing --data (the directory new files land in; for kafka, the topic)");
        }
        if (!JobSettings.CHECKPOINT_DIR.isSet(s)) {
            throw new ConfigException("missing --checkpoint-dir (it holds the model commits and the stream's offsets;"
                    + " restarting with the same directory continues exactly once)");
        }
        String data = JobSettings.DATA.get(s);
        String format = StreamingSettings.FORMAT.get(s).toLowerCase(Locale.ROOT);
        String checkpointDir = JobSettings.CHECKPOINT_DIR.get(s);
        String batchMetrics = StreamingSettings.BATCH_METRICS.get(s,
                new org.apache.hadoop.fs.Path(checkpointDir, "micro-batches.jsonl").toString());
        return new StreamConfig(TrainConfig.from(s), format + " " + data, format, data, columns(s, data),
                StreamingSettings.SCHEMA.get(s), StreamingSettings.KAFKA_SERVERS.get(s), JobSettings.CSV_HEADER.get(s),
                StreamTrigger.parse(StreamingSettings.TRIGGER.get(s)), StreamingSettings.STEPS_PER_BATCH.get(s),
                StreamingSettings.EPOCHS_PER_BATCH.get(s), StreamingSettings.REPLAY_BATCHES.get(s),
                StreamingSettings.SCHEDULE_STEPS.get(s), StreamingSettings.MAX_FILES_PER_TRIGGER.get(s),
                StreamingSettings.MAX_BATCHES.get(s), JobSettings.PARTITIONS.get(s),
                InputStorage.parse(JobSettings.INPUT_STORAGE.get(s), s.sourceOf(JobSettings.INPUT_STORAGE.key())), checkpointDir,
                JobSettings.METRICS.get(s), batchMetrics, JobSettings.MASTER.get(s), s);
    }

    /**
     * The label and feature columns as {@code amp train} reads them. The stream's format has its own
     * declaration (it knows json and kafka), so it is left out of what the column reader sees.
     */
    private static DataSpec columns(Settings s, String data) {
        Settings columnsOnly = new Settings();
        for (String key : s.keys()) {
            if (!key.equals(StreamingSettings.FORMAT.key())) {
                columnsOnly.set(key, s.string(key, null), s.sourceOf(key));
            }
        }
        return JobConfig.dataSpec(columnsOnly, data);
    }

    /** The stream's files as a batch reader names them in its errors; empty for json and kafka. */
    public java.util.Optional<DataSpec> files() {
        return StreamSources.fileSpec(format, data, csvHeader);
    }

    /** Optimizer steps for a micro-batch whose training rows (with the replay window) number {@code rows}. */
    public long stepsFor(long rows) {
        if (stepsPerBatch > 0) {
            return stepsPerBatch;
        }
        return Math.max(1, (long) Math.ceil(epochsPerBatch * (double) rows / train.batchSize()));
    }

    /** The horizon the schedule is built for: schedule-steps, or (constant and step schedules) never reached. */
    public long scheduleHorizon() {
        return scheduleSteps > 0 ? scheduleSteps : Long.MAX_VALUE / 2;
    }

    /** Where Spark keeps the stream's offsets and commit log. */
    public String streamCheckpoint() {
        return new org.apache.hadoop.fs.Path(checkpointDir, "stream").toString();
    }

    /** Where the model commits go. */
    public String modelDir() {
        return new org.apache.hadoop.fs.Path(checkpointDir, "model").toString();
    }

    /** Where the replay window's micro-batches are kept. */
    public String replayDir() {
        return new org.apache.hadoop.fs.Path(checkpointDir, "replay").toString();
    }
}
