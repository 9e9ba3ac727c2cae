package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.Trigger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;

/**
 * Scores a stream with the newest committed model of a directory of checkpoints (a {@code stream-train}
 * run's {@code checkpoint-dir/model}, or a {@code train} run's {@code checkpoint-dir}) while training goes
 * on: at the start of each micro-batch it looks for a newer commit and, when there is one, loads it; the
 * micro-batch is then scored with {@link BatchInference#transform} under that one model.
 *
 * <p>What this gives: every row of a micro-batch is scored by one committed model version, the newest
 * complete commit when the micro-batch started, named in the {@value #MODEL_STEP_COL} column (the
 * optimizer steps of that commit). Weights are never torn: a commit appears whole (written aside and
 * renamed into place, with a manifest checked on load) and is broadcast once for the micro-batch. A
 * commit that lands while a micro-batch is being scored is picked up at the next micro-batch. Versions
 * only move forward within a query.
 */
public final class StreamingScorer implements VoidFunction2<Dataset<Row>, Long> {
    /** The column naming the model version a row was scored with: the optimizer steps of its commit. */
    public static final String MODEL_STEP_COL = "model_step";
    private static final Logger LOG = LoggerFactory.getLogger(StreamingScorer.class);
    private static final String PREFIX = "step-";

    private final transient SparkSession spark;
    private final transient Path directory;
    private final transient FileSystem fs;
    private final transient ScoringOptions options;
    private final transient VoidFunction2<Dataset<Row>, Long> sink;
    private volatile transient TrainedModel model;
    private volatile transient String modelPath;

    /**
     * @param directory where the model commits land ({@code step-NNNNNNNN} directories)
     * @param sink      receives each scored micro-batch and its id, e.g. a write to a table
     */
    public StreamingScorer(SparkSession spark, String directory, ScoringOptions options, VoidFunction2<Dataset<Row>, Long> sink) {
        this.spark = spark;
        this.directory = new Path(directory);
        this.options = options;
        this.sink = sink;
        try {
            this.fs = this.directory.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + directory, e);
        }
        refresh();
        if (model == null) {
            throw new ConfigException("no model commit in " + directory + " to score with (expected step-NNNNNNNN"
                    + " directories: a stream-train run's checkpoint-dir/model, or a train run's checkpoint-dir)");
        }
    }

    /**
     * Starts a query that scores each micro-batch of {@code stream} and hands it to the sink.
     *
     * @param checkpointLocation the scoring query's own stream checkpoint (not the training run's)
     */
    public StreamingQuery start(Dataset<Row> stream, String checkpointLocation, Trigger trigger) {
        if (!stream.isStreaming()) {
            throw new ConfigException("StreamingScorer.start needs a streaming DataFrame (spark.readStream()...)");
        }
        BatchInference.outputSchema(stream.schema(), model, options); // a missing or taken column fails now, not in a micro-batch
        try {
            return stream.writeStream().queryName("spark-amp-stream-score").option("checkpointLocation", checkpointLocation)
                    .trigger(trigger).foreachBatch(this).start();
        } catch (TimeoutException e) {
            throw new IllegalStateException("the scoring query did not start: " + e.getMessage(), e);
        }
    }

    @Override
    public void call(Dataset<Row> microBatch, Long batchId) throws Exception {
        sink.call(score(microBatch), batchId);
    }

    /**
     * {@code microBatch} scored by the newest committed model (looked up now), with {@value #MODEL_STEP_COL}.
     * The result is bound to that model however often it is evaluated.
     */
    public Dataset<Row> score(Dataset<Row> microBatch) {
        refresh();
        TrainedModel bound = model;
        return BatchInference.transform(microBatch, bound, options).withColumn(MODEL_STEP_COL, functions.lit(bound.steps()));
    }

    /** The model the next micro-batch would be scored with, as of the last look. */
    public TrainedModel model() {
        return model;
    }

    /**
     * Loads the newest commit when it is not the one held. Commits are named by their step, so the newest
     * is the greatest name; one that is deleted while it loads (the trainer keeps only its newest few) is
     * passed over for the next look.
     */
    private synchronized void refresh() {
        for (int attempt = 0; attempt < 3; attempt++) {
            Path newest = newestCommit();
            if (newest == null || newest.toString().equals(modelPath)) {
                return;
            }
            try {
                TrainedModel loaded = TrainedModel.load(spark, newest.toString());
                if (model != null && loaded.steps() < model.steps()) {
                    return;
                }
                if (model != null) {
                    LOG.info("scoring with {} (step {}) from the next micro-batch on; was step {}", newest, loaded.steps(), model.steps());
                }
                model = loaded;
                modelPath = newest.toString();
                return;
            } catch (RuntimeException e) {
                if (exists(newest)) {
                    throw e;
                }
                LOG.info("model commit {} went away while loading; looking again", newest);
            }
        }
    }

    private Path newestCommit() {
        try {
            if (!fs.exists(directory)) {
                return null;
            }
            return Arrays.stream(fs.listStatus(directory)).filter(FileStatus::isDirectory).map(FileStatus::getPath)
                    .filter(p -> p.getName().startsWith(PREFIX)).max((a, b) -> a.getName().compareTo(b.getName())).orElse(null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the model commits in " + directory, e);
        }
    }

    private boolean exists(Path p) {
        try {
            return fs.exists(p);
        } catch (IOException e) {
            return false;
        }
    }
}
