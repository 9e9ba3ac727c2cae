package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.checkpoint.DirectoryLock;
import io.sparkamp.spark.json.Json;
import io.sparkamp.spark.report.MetricsReporter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * Continuous training on Spark Structured Streaming, the Java API of {@code amp stream-train}: every
 * micro-batch of a streaming DataFrame is validated, cached as Arrow batches and trained with the engine's
 * one training loop, and the model state is committed with the micro-batch id, exactly once (see
 * {@link MicroBatchTrainer}). Optimizer, loss scaler and learning-rate schedule carry across micro-batches.
 *
 * <pre>
 *   try (StreamingTrainer trainer = new StreamingTrainer(spark, StreamConfig.from(settings), System.err)) {
 *       StreamingQuery query = trainer.start(spark.readStream().schema(schema).parquet("incoming/"));
 *       Map&lt;String, Object&gt; summary = trainer.awaitCompletion(query);
 *   }
 * </pre>
 *
 * A restart with the same {@code checkpoint-dir} continues from the newest model commit; Spark's stream
 * checkpoint ({@code checkpoint-dir/stream}) says which files or offsets each micro-batch id covers. One
 * trainer at a time holds the directory (its {@code _lock}, taken on construction, released by
 * {@link #close}).
 */
public final class StreamingTrainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StreamingTrainer.class);

    private final SparkSession spark;
    private final StreamConfig config;
    private final TrainingSetup setup;
    private final MicroBatchTrainer trainer;
    private final MetricsReporter stepMetrics;
    private final DirectoryLock lock;
    private final MicroBatchLog batchMetrics;
    private final PrintStream progress;
    private final StreamFailureListener listener;
    private final long started = System.nanoTime();
    private long rows;
    private double trainSeconds;
    private long stepsTrained;
    private MicroBatchResult last;

    /**
     * Takes the checkpoint directory's lock (one stream-train at a time: a second one on the directory is
     * refused, naming the holder; a dead holder's lock is taken over) and reads its newest model commit.
     *
     * @param progress where the per-micro-batch progress lines go (stderr in the CLI)
     */
    public StreamingTrainer(SparkSession spark, StreamConfig config, PrintStream progress) {
        this.spark = spark;
        this.config = config;
        this.progress = progress;
        this.setup = new TrainingSetup(config.train(), config.scheduleHorizon());
        this.lock = lock(spark, config.checkpointDir());
        MetricsReporter steps = null;
        MicroBatchLog log = null;
        try {
            steps = new MetricsReporter(config.metricsPath() == null ? null : Path.of(config.metricsPath()),
                    new PrintStream(OutputStream.nullOutputStream()), Integer.MAX_VALUE, 0);
            log = new MicroBatchLog(spark.sparkContext().hadoopConfiguration(), config.batchMetricsPath());
            this.trainer = new MicroBatchTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), config, setup,
                    new ModelCommits(spark, config, setup), new ReplayWindow(spark, config.replayDir(), config.replayBatches()),
                    steps, this::applied);
        } catch (RuntimeException | Error e) {
            if (steps != null) {
                steps.close();
            }
            lock.close();
            throw e;
        }
        this.stepMetrics = steps;
        this.batchMetrics = log;
        this.listener = new StreamFailureListener(trainer::currentBatch);
        spark.streams().addListener(listener);
        LOG.info("{}; GEMM kernel {}; stream {} with trigger {}", setup.policy(), setup.gemm().kernel().name(),
                config.source(), config.trigger().text());
    }

    /** Starts training on the stream {@code config} describes (files in a directory, or a Kafka topic). */
    public StreamingQuery start() {
        return start(StreamSources.open(spark, config));
    }

    /**
     * Starts training on {@code stream}, any streaming DataFrame with the configured label and feature
     * columns (e.g. from the rate source in tests, or Kafka records parsed by the caller).
     */
    public StreamingQuery start(Dataset<Row> stream) {
        if (!stream.isStreaming()) {
            throw new ConfigException("StreamingTrainer.start needs a streaming DataFrame (spark.readStream()...)");
        }
        trainer.reopen();
        try {
            StreamingQuery query = stream.writeStream()
                    .queryName("spark-amp-stream-train")
                    .option("checkpointLocation", config.streamCheckpoint())
                    .trigger(config.trigger().toSpark())
                    .foreachBatch(trainer)
                    .start();
            listener.watch(query.id());
            StreamCheckpoints.warnIfAhead(spark, config.streamCheckpoint(), trainer.lastApplied());
            return query;
        } catch (TimeoutException e) {
            throw new IllegalStateException("the stream query did not start: " + e.getMessage(), e);
        }
    }

    /**
     * Waits until the query ends (a finite trigger ran out of data, {@code max-batches} were applied, or it
     * was stopped) and returns the session's summary. A failure in a micro-batch ends here as one
     * exception naming the micro-batch: bad data as a {@link ConfigException}, anything else as an
     * {@link IllegalStateException}.
     */
    public Map<String, Object> awaitCompletion(StreamingQuery query) {
        try {
            while (query.isActive()) {
                if (config.maxBatches() > 0 && trainer.appliedThisSession() >= config.maxBatches()
                        && sparkCommitted(query, trainer.lastApplied())) {
                    LOG.info("max-batches {} applied; stopping the stream", config.maxBatches());
                    query.stop();
                    break;
                }
                query.awaitTermination(200);
            }
            query.awaitTermination(); // rethrows the query's failure, if any
        } catch (StreamingQueryException e) {
            throw translate(e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the stream query did not stop: " + e.getMessage(), e);
        }
        return summary();
    }

    /** Whether Spark's progress shows micro-batch {@code batchId} done (its commit written). */
    private static boolean sparkCommitted(StreamingQuery query, long batchId) {
        return query.lastProgress() != null && query.lastProgress().batchId() >= batchId;
    }

    private RuntimeException translate(StreamingQueryException e) {
        StreamFailureListener.Failure failure = listener.failure();
        long batch = failure != null ? failure.batchId() : trainer.currentBatch();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) {
                return c.getMessage().contains("micro-batch " + batch) ? c
                        : new ConfigException("micro-batch " + batch + " of " + config.source() + ": " + c.getMessage());
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new IllegalStateException("stream training failed in micro-batch " + batch + ": " + root, e);
    }

    private static DirectoryLock lock(SparkSession spark, String checkpointDir) {
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(checkpointDir);
        try {
            return DirectoryLock.acquire(root.getFileSystem(spark.sparkContext().hadoopConfiguration()), root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open checkpoint directory " + checkpointDir, e);
        }
    }

    private void applied(MicroBatchResult result) {
        if (result.steps() > 0) {
            last = result;
        }
        rows += result.rows();
        trainSeconds += result.trainSeconds();
        stepsTrained += result.steps();
        progress.println(result.progressLine(config.train().batchSize()));
        batchMetrics.append(Json.line(result.json(config.train().batchSize())));
    }

    /** What this session did, and the state the model is in. */
    public Map<String, Object> summary() {
        TrainingState state = trainer.state();
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("command", "stream-train");
        s.put("source", config.source());
        s.put("trigger", config.trigger().text());
        s.put("batches_applied", trainer.appliedThisSession());
        s.put("batches_skipped", trainer.skippedThisSession());
        s.put("rows", rows);
        s.put("last_batch_id", trainer.lastApplied());
        s.put("steps", state.steps());
        s.put("skipped_steps", state.skippedSteps());
        s.put("loss_scale", state.scaler().scale());
        s.put("train_loss", last == null ? Double.NaN : last.lastLoss());
        s.put("samples_per_second", trainSeconds == 0 ? 0 : stepsTrained * (double) config.train().batchSize() / trainSeconds);
        s.put("training_seconds", trainSeconds);
        s.put("wall_seconds", (System.nanoTime() - started) / 1e9);
        s.put("precision", config.train().precision().label());
        s.put("kernel", setup.gemm().kernel().name());
        s.put("checkpoint", trainer.lastCommit());
        return s;
    }

    /** The live training state (the newest commit's, plus any micro-batch being trained). */
    public TrainingState state() {
        return trainer.state();
    }

    /** The last micro-batch id in the model commit, -1 before the first. */
    public long lastAppliedBatch() {
        return trainer.lastApplied();
    }

    /** Stops listening, closes the metrics files and releases the checkpoint directory's lock. */
    @Override
    public void close() {
        try (DirectoryLock held = lock; MicroBatchLog log = batchMetrics) {
            spark.streams().removeListener(listener);
            stepMetrics.close();
        }
    }
}
