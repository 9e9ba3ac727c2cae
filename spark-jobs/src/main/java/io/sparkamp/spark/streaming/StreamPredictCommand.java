package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.cli.CheckpointArgs;
import io.sparkamp.spark.cli.Command;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.inference.PredictCommand;
import io.sparkamp.spark.inference.ScoringOptions;
import io.sparkamp.spark.inference.StreamingScorer;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeoutException;

/**
 * {@code amp stream-predict}: scores files landing in a directory with the newest committed model of a
 * training run (a {@code stream-train} run goes on committing while this scores), one micro-batch at a
 * time ({@link StreamingScorer}: each micro-batch is scored by one model version, named in its
 * {@code model_step} column). Each micro-batch is written as Parquet to {@code out/batch=ID}, replaced
 * whole if Spark hands it over again after a restart, so {@code out} read as one table holds every row
 * once; the scoring query's own stream checkpoint is {@code out/_stream}.
 */
public final class StreamPredictCommand implements Command {
    private static final Setting<String> FORMAT = Setting.choice("format", "stream", "parquet",
            "format of the files landing in data (csv needs schema)", "parquet", "csv", "json");
    private static final List<Setting<?>> SETTINGS = List.of(CheckpointArgs.CHECKPOINT, JobSettings.DATA, FORMAT,
            StreamingSettings.SCHEMA, JobSettings.FEATURES_COL, JobSettings.FEATURE_COLS, JobSettings.CSV_HEADER,
            EngineSettings.PRECISION.derivedDefault("the checkpoint's"), PredictCommand.BATCH_ROWS, PredictCommand.OUT,
            StreamingSettings.TRIGGER, StreamingSettings.MAX_FILES_PER_TRIGGER, StreamingSettings.MAX_BATCHES, JobSettings.MASTER);

    @Override
    public String name() {
        return "stream-predict";
    }

    @Override
    public String summary() {
        return "score files landing in a directory with the newest committed model, one model version per micro-batch";
    }

    @Override
    public String usage() {
        return "amp stream-predict --checkpoint DIR --data DIR --out DIR [--trigger 30s|available-now|once] [--key value ...]";
    }

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    @Override
    public int run(Settings s, PrintStream out) {
        for (Setting<?> required : List.of(CheckpointArgs.CHECKPOINT, JobSettings.DATA, PredictCommand.OUT)) {
            if (!required.isSet(s)) {
                throw new ConfigException("missing --" + required.key() + " (" + usage() + ")");
            }
        }
        String format = FORMAT.get(s).toLowerCase(java.util.Locale.ROOT);
        if (format.equals("csv") && !StreamingSettings.SCHEMA.isSet(s)) {
            throw new ConfigException("format csv needs schema (the stream's columns as Spark DDL, e.g. 'x1 DOUBLE, x2 DOUBLE')");
        }
        StreamTrigger trigger = StreamTrigger.parse(StreamingSettings.TRIGGER.get(s));
        long start = System.nanoTime();
        SparkSession spark = SparkSessions.create(JobSettings.MASTER.get(s), "spark-amp stream-predict");
        try {
            Dataset<Row> stream = StreamSources.files(spark, format, JobSettings.DATA.get(s), StreamingSettings.SCHEMA.get(s),
                    JobSettings.CSV_HEADER.get(s), StreamingSettings.MAX_FILES_PER_TRIGGER.get(s));
            Writer writer = new Writer(PredictCommand.OUT.get(s), System.err);
            StreamingScorer scorer = new StreamingScorer(spark, commits(spark, CheckpointArgs.CHECKPOINT.get(s)), options(s),
                    writer::write);
            StreamingQuery query = scorer.start(stream, new Path(PredictCommand.OUT.get(s), "_stream").toString(), trigger.toSpark());
            await(query, writer, StreamingSettings.MAX_BATCHES.get(s));
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("command", "stream-predict");
            summary.put("checkpoint", scorer.model().source());
            summary.put("model_steps", List.copyOf(writer.versions));
            summary.put("batches", writer.batches);
            summary.put("rows", writer.rows);
            summary.put("out", PredictCommand.OUT.get(s));
            summary.put("seconds", (System.nanoTime() - start) / 1e9);
            out.println(Json.line(summary));
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** A stream-train run's checkpoint-dir holds its commits under model/; any other directory is taken as it is. */
    private static String commits(SparkSession spark, String dir) {
        Path model = new Path(dir, "model");
        try {
            FileSystem fs = model.getFileSystem(spark.sparkContext().hadoopConfiguration());
            return fs.isDirectory(model) ? model.toString() : dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + dir, e);
        }
    }

    private static ScoringOptions options(Settings s) {
        ScoringOptions options = ScoringOptions.defaults().withBatchRows(PredictCommand.BATCH_ROWS.get(s));
        if (EngineSettings.PRECISION.isSet(s)) {
            options = options.withPrecision(Precision.parse(EngineSettings.PRECISION.get(s), "precision"));
        }
        String cols = JobSettings.FEATURE_COLS.get(s);
        return cols == null ? options.withFeaturesCol(JobSettings.FEATURES_COL.get(s))
                : options.withFeatureCols(Arrays.stream(cols.split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList());
    }

    /** Waits for the query to end (its trigger ran out of files, or max-batches); a failure names its micro-batch. */
    private static void await(StreamingQuery query, Writer writer, long maxBatches) {
        try {
            while (query.isActive()) {
                if (maxBatches > 0 && writer.batches >= maxBatches) {
                    query.stop();
                    break;
                }
                query.awaitTermination(200);
            }
            query.awaitTermination();
        } catch (StreamingQueryException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof ConfigException c) {
                    throw new ConfigException("micro-batch " + writer.current + ": " + c.getMessage() + "; nothing of it was written");
                }
            }
            throw new IllegalStateException("stream scoring failed in micro-batch " + writer.current + ": " + e.getMessage(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the scoring query did not stop: " + e.getMessage(), e);
        }
    }

    /** Writes each scored micro-batch to out/batch=ID and prints its progress line. */
    private static final class Writer {
        private final String out;
        private final PrintStream progress;
        private final TreeSet<Long> versions = new TreeSet<>();
        private volatile long batches;
        private volatile long rows;
        private volatile long current = -1;

        Writer(String out, PrintStream progress) {
            this.out = out;
            this.progress = progress;
        }

        void write(Dataset<Row> scored, long batchId) {
            current = batchId;
            long started = System.nanoTime();
            Path dir = new Path(out, "batch=" + batchId);
            try {
                scored.write().mode(SaveMode.Overwrite).parquet(dir.toString());
            } catch (Exception e) { // a failed write leaves its directory behind, holding nothing committed
                delete(scored.sparkSession(), dir);
                throw e;
            }
            Dataset<Row> written = scored.sparkSession().read().parquet(dir.toString());
            long n = written.count();
            long step = n == 0 ? -1 : written.select(StreamingScorer.MODEL_STEP_COL).head().getLong(0);
            if (step >= 0) {
                versions.add(step);
            }
            batches++;
            rows += n;
            progress.printf("batch %d  rows %d  model step %s  scored in %.2f s%n", batchId, n, step < 0 ? "-" : step,
                    (System.nanoTime() - started) / 1e9);
        }

        private static void delete(SparkSession spark, Path dir) {
            try {
                dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(dir, true);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot remove the failed write " + dir, e);
            }
        }
    }
}
