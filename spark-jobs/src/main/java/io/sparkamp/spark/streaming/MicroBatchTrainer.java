package io.sparkamp.spark.streaming;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.train.StepListener;
import io.sparkamp.core.train.StepOutcome;
import io.sparkamp.core.train.StepTiming;
import io.sparkamp.core.train.TrainingLoop;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.data.DataReadException;
import io.sparkamp.spark.data.DataValidationException;
import io.sparkamp.spark.data.DataValidator;
import io.sparkamp.spark.data.DatasetReader;
import io.sparkamp.spark.data.ReadFailures;
import io.sparkamp.spark.data.TrainingTable;
import io.sparkamp.spark.data.TrainingTables;
import io.sparkamp.spark.data.ValidationRules;
import io.sparkamp.spark.driver.SparkJobGradients;
import io.sparkamp.spark.executor.ExecutorMemory;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What happens to each micro-batch ({@code foreachBatch}), as a small state machine around the model
 * commit:
 *
 * <pre>
 *   batchId <= last applied (the newest model commit says so)  → skip: Spark redelivered a micro-batch whose
 *                                                               update is in the model already
 *   no rows → record the id as applied (a marker beside the commits; the model is unchanged) → return
 *   otherwise → read the columns, validate like batch input (a bad row fails the micro-batch: nothing trained,
 *               nothing committed) → encode and cache as Arrow batches → N steps of the one TrainingLoop over
 *               them → commit state + batchId together → return (then Spark commits the micro-batch)
 * </pre>
 *
 * A crash before the model commit leaves the previous commit: Spark redelivers the micro-batch (same
 * files or offsets, same id) and it is applied once. A crash after the model commit but before Spark's
 * commit makes Spark redeliver a micro-batch the model already holds, and it is skipped. The training
 * state lives in memory between micro-batches; a micro-batch that fails leaves it half-updated, so the
 * trainer refuses further micro-batches until it is reopened from the newest commit.
 */
final class MicroBatchTrainer implements VoidFunction2<Dataset<Row>, Long> {
    private static final Logger LOG = LoggerFactory.getLogger(MicroBatchTrainer.class);

    private final transient JavaSparkContext sc;
    private final transient StreamConfig config;
    private final transient TrainingSetup setup;
    private final transient ModelCommits commits;
    private final transient ReplayWindow replay;
    private final transient StepListener stepMetrics;
    private final transient Consumer<MicroBatchResult> onApplied;
    private volatile transient TrainingState state;
    private volatile long lastApplied;
    private volatile String lastCommit;
    private volatile long currentBatch = -1;
    private volatile long appliedThisSession;
    private volatile long skippedThisSession;
    private volatile boolean broken;

    MicroBatchTrainer(JavaSparkContext sc, StreamConfig config, TrainingSetup setup, ModelCommits commits, ReplayWindow replay,
                      StepListener stepMetrics, Consumer<MicroBatchResult> onApplied) {
        this.sc = sc;
        this.config = config;
        this.setup = setup;
        this.commits = commits;
        this.replay = replay;
        this.stepMetrics = stepMetrics;
        this.onApplied = onApplied;
        reopen();
    }

    /** Takes the state of the newest model commit (after a failure, or before a query restarts). */
    void reopen() {
        ModelCommits.Committed committed = commits.latest();
        state = committed.state();
        lastApplied = committed.lastBatchId();
        lastCommit = committed.path();
        broken = false;
        if (committed.path() != null) {
            LOG.info("model commit {}: step {}, micro-batches up to {} applied", committed.path(), state.steps(), lastApplied);
        }
    }

    @Override
    public void call(Dataset<Row> frame, Long batchId) {
        currentBatch = batchId;
        if (broken) {
            throw new IllegalStateException("micro-batch " + batchId + " refused: an earlier micro-batch failed part-way;"
                    + " restart the stream so training continues from the newest model commit");
        }
        if (batchId <= lastApplied) {
            skippedThisSession++;
            LOG.info("micro-batch {} is already in the model (newest commit holds micro-batches up to {}); skipping it",
                    batchId, lastApplied);
            return;
        }
        try {
            apply(frame, batchId);
        } catch (RuntimeException | Error e) {
            broken = true;
            throw e;
        }
    }

    private void apply(Dataset<Row> frame, long batchId) {
        long started = System.nanoTime();
        String source = "micro-batch " + batchId + " of " + config.source();
        List<String> files = reading(() -> inputFiles(frame), frame, batchId);
        TrainingTable batch = reading(() -> DatasetReader.fromFrame(frame, config.columns(), source), frame, batchId);
        if (batch.rowCount() == 0) {
            applyEmpty(batchId, files, started);
            return;
        }
        TrainingTable table = replay.withWindow(batch, batchId, lastApplied);
        CachedTrainingData cached = validatedAndCached(frame, table, files, source, batchId);
        try {
            long firstStep = state.steps();
            long steps = config.stepsFor(cached.rowCount());
            TrainingLoop loop = new TrainingLoop(setup, new MicroBatchGradients(
                    new SparkJobGradients(sc, setup.workerSpec(), cached), setup.config().seed(), firstStep));
            BatchSteps tally = new BatchSteps(batchId);
            loop.run(state, firstStep + steps, tally);
            long commitStart = System.nanoTime();
            String path = commits.commit(state, batchId, cached.fingerprint());
            long committedAt = System.currentTimeMillis();
            lastApplied = batchId;
            lastCommit = path;
            appliedThisSession++;
            long now = System.nanoTime();
            replay.prune(batchId);
            onApplied.accept(new MicroBatchResult(batchId, batch.rowCount(), cached.rowCount(), files, firstStep, steps,
                    tally.skipped, tally.lossSum / steps, tally.lastLoss, state.scaler().scale(), tally.nanos / 1e9,
                    (now - started) / 1e9, (now - commitStart) / 1e9, committedAt, path));
            StreamFaults.at(StreamFaults.Point.AFTER_MODEL_COMMIT, batchId);
        } finally {
            cached.unpersist();
        }
    }

    /**
     * An empty micro-batch trains nothing, but it is applied like any other: recorded with its id before
     * Spark commits it, so that the last applied id never falls behind Spark's commit log.
     */
    private void applyEmpty(long batchId, List<String> files, long started) {
        LOG.info("micro-batch {} of {} has no rows; nothing to train, recorded as applied", batchId, config.source());
        long commitStart = System.nanoTime();
        commits.recordEmpty(batchId);
        lastApplied = batchId;
        appliedThisSession++;
        long now = System.nanoTime();
        onApplied.accept(MicroBatchResult.empty(batchId, files, state.steps(), state.scaler().scale(), (now - started) / 1e9,
                (now - commitStart) / 1e9, System.currentTimeMillis(), lastCommit));
        StreamFaults.at(StreamFaults.Point.AFTER_MODEL_COMMIT, batchId);
    }

    /**
     * Validates and caches the micro-batch. When a micro-batch of several files holds bad rows, each file
     * is checked on its own, so the message names the file and the row within it.
     */
    private CachedTrainingData validatedAndCached(Dataset<Row> frame, TrainingTable table, List<String> files, String source,
                                                  long batchId) {
        try {
            return reading(() -> TrainingTables.validateAndCache(table, setup.model(), setup.loss(), setup.config().precision(),
                    config.inputStorage(), config.partitions(), source, ExecutorMemory.SHARED_ROOT), frame, batchId);
        } catch (DataValidationException e) {
            DataValidationException exact = files.size() > 1 ? firstBadFile(frame, files, batchId).orElse(e) : e;
            throw new ConfigException((exact == e ? "" : source + ": ") + exact.getMessage() + nothingCommitted(batchId));
        }
    }

    private static String nothingCommitted(long batchId) {
        return "\nNo update from micro-batch " + batchId + " was committed. Correct the file in place (same name) and restart"
                + " with the same checkpoint-dir: the micro-batch is then trained once.";
    }

    /**
     * Runs a step that reads the micro-batch's files: a file Spark cannot read (truncated, corrupt, not in the
     * stream's format) fails the micro-batch with a message naming the file, before anything is trained.
     */
    private <T> T reading(Supplier<T> read, Dataset<Row> frame, long batchId) {
        try {
            return read.get();
        } catch (Exception e) { // Spark's job failures are checked exceptions, thrown undeclared
            if (!(e instanceof ConfigException) && !interrupted(e) && config.files().isPresent()
                    && ReadFailures.translate(e, frame.sparkSession(), config.files().get()) instanceof DataReadException unreadable) {
                throw new DataReadException("micro-batch " + batchId + " of " + config.source() + ": " + unreadable.getMessage()
                        + nothingCommitted(batchId));
            }
            throw MicroBatchTrainer.<RuntimeException>unchanged(e);
        }
    }

    /** A stop of the query interrupts the micro-batch: that is no read failure, and Spark must see it as it is. */
    private static boolean interrupted(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof InterruptedException || t instanceof java.io.InterruptedIOException
                    || t instanceof java.nio.channels.ClosedByInterruptException) {
                return true;
            }
        }
        return false;
    }

    /** Rethrows {@code e} as it is, checked or not (Spark recognises its own exceptions by type). */
    @SuppressWarnings("unchecked")
    private static <E extends Throwable> RuntimeException unchanged(Throwable e) throws E {
        throw (E) e;
    }

    private java.util.Optional<DataValidationException> firstBadFile(Dataset<Row> frame, List<String> files, long batchId) {
        for (String file : files) {
            TrainingTable one = DatasetReader.fromFrame(frame.where(input_file_name().equalTo(file)), config.columns(), file);
            try {
                DataValidator.validate(one, setup.model().inputSize(), ValidationRules.of(setup.loss().labelRules(
                        setup.model().outputSize())).withInputPrecision(config.inputStorage().checkedPrecision(
                        setup.config().precision(), setup.model())));
            } catch (DataValidationException e) {
                return java.util.Optional.of(e);
            }
        }
        return java.util.Optional.empty();
    }

    /** The micro-batch's input files, sorted (empty for sources without files, such as kafka or rate). */
    private static List<String> inputFiles(Dataset<Row> frame) {
        List<String> files = new ArrayList<>();
        for (Row row : frame.select(input_file_name().as("file")).distinct().where(col("file").notEqual("")).collectAsList()) {
            files.add(row.getString(0));
        }
        files.sort(null);
        return files;
    }

    /** Tallies a micro-batch's steps and passes each one on to the step metrics. */
    private final class BatchSteps implements StepListener {
        private final long batchId;
        private long skipped;
        private double lossSum;
        private double lastLoss = Double.NaN;
        private long nanos;

        BatchSteps(long batchId) {
            this.batchId = batchId;
        }

        @Override
        public void onStep(TrainingState s, StepOutcome outcome, StepTiming timing) {
            if (outcome.skipped()) {
                skipped++;
            }
            lossSum += outcome.trainLoss();
            lastLoss = outcome.trainLoss();
            nanos += timing.totalNanos();
            stepMetrics.onStep(s, outcome, timing);
            StreamFaults.at(StreamFaults.Point.MID_BATCH, batchId);
        }
    }

    TrainingState state() {
        return state;
    }

    long lastApplied() {
        return lastApplied;
    }

    String lastCommit() {
        return lastCommit;
    }

    /** The micro-batch being (or last) handed to {@link #call}, -1 before the first. */
    long currentBatch() {
        return currentBatch;
    }

    long appliedThisSession() {
        return appliedThisSession;
    }

    long skippedThisSession() {
        return skippedThisSession;
    }
}
