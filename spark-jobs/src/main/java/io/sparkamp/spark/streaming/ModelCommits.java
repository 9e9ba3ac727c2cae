package io.sparkamp.spark.streaming;

import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.checkpoint.Versions;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The stream's model commits: the whole run state and the id of the last micro-batch it holds (in the
 * state's extras), written together as one Parquet checkpoint (atomic: a crash leaves the previous commit). The commit is
 * the record of which micro-batches are in the model; Spark's own stream checkpoint only says which
 * files or offsets each micro-batch id covers. The newest {@value #KEEP} commits are kept.
 *
 * <p>An empty micro-batch changes nothing in the model, so it writes no checkpoint: it is recorded as
 * applied by an empty marker file {@code _empty-batch-ID} beside the commits (created before Spark commits
 * the micro-batch, removed by the next commit). The last applied micro-batch id is the newest of the
 * commit's and the markers', so after any restart it is never behind Spark's own commit log, and a
 * redelivered empty micro-batch is skipped like any other.
 */
final class ModelCommits {
    /** The key of the last applied micro-batch id in a commit. */
    static final String LAST_BATCH_ID = "stream_last_batch_id";
    /** Commits kept; older ones are deleted after each commit. */
    static final int KEEP = 2;
    private static final String EMPTY_PREFIX = "_empty-batch-";
    private static final Logger LOG = LoggerFactory.getLogger(ModelCommits.class);

    /**
     * The newest commit.
     *
     * @param state       the training state it holds (step 0 from the seed when there is none)
     * @param lastBatchId the last micro-batch in that state, -1 when there is none
     * @param path        where it lies, or null
     */
    record Committed(TrainingState state, long lastBatchId, String path) {
    }

    private final CheckpointStore store;
    private final FileSystem fs;
    private final Path root;
    private final TrainingSetup setup;
    private final Map<String, String> settings;
    private String runId;

    ModelCommits(SparkSession spark, StreamConfig stream, TrainingSetup setup) {
        this.store = new CheckpointStore(spark, stream.modelDir());
        this.root = new Path(stream.modelDir());
        this.setup = setup;
        this.settings = Map.of("data", stream.source(), "stream", "true");
        try {
            this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + root, e);
        }
    }

    /** The newest complete commit (or step 0 from the seed), with the empty micro-batches applied after it. */
    Committed latest() {
        long empty = newestEmpty();
        return store.loadNewest().map(c -> {
            runId = c.runId();
            String last = c.state().extras().get(LAST_BATCH_ID);
            if (last == null) {
                throw new io.sparkamp.core.config.ConfigException("checkpoint " + c.path() + " was not written by stream-train"
                        + " (it holds no " + LAST_BATCH_ID + "); give stream-train a checkpoint-dir of its own");
            }
            return new Committed(setup.restore(c.state()), Math.max(Long.parseLong(last), empty), c.path());
        }).orElseGet(() -> {
            runId = java.util.UUID.randomUUID().toString();
            return new Committed(setup.freshState(), empty, null);
        });
    }

    /** Records the empty micro-batch {@code batchId} as applied (the model is unchanged). */
    void recordEmpty(long batchId) {
        Path marker = new Path(root, EMPTY_PREFIX + batchId);
        try {
            fs.mkdirs(root);
            fs.create(marker, true).close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot record empty micro-batch " + batchId + " as " + marker, e);
        }
    }

    /** The newest empty micro-batch recorded, -1 when none. */
    private long newestEmpty() {
        long newest = -1;
        for (Path marker : emptyMarkers()) {
            newest = Math.max(newest, Long.parseLong(marker.getName().substring(EMPTY_PREFIX.length())));
        }
        return newest;
    }

    private List<Path> emptyMarkers() {
        List<Path> markers = new ArrayList<>();
        try {
            if (fs.exists(root)) {
                for (FileStatus status : fs.listStatus(root)) {
                    String name = status.getPath().getName();
                    if (status.isFile() && name.startsWith(EMPTY_PREFIX) && name.substring(EMPTY_PREFIX.length()).matches("\\d+")) {
                        markers.add(status.getPath());
                    }
                }
            }
            return markers;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + root, e);
        }
    }

    /** Commits {@code state} as holding every micro-batch up to {@code batchId}; returns the commit's path. */
    String commit(TrainingState state, long batchId, String fingerprint) {
        state.extras().put(LAST_BATCH_ID, Long.toString(batchId));
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("spark_amp_version", Versions.sparkAmp());
        provenance.put("seed", Long.toString(setup.config().seed()));
        provenance.put("run_id", runId);
        provenance.put("last_batch_fingerprint", fingerprint);
        provenance.put("created_at", java.time.Instant.now().toString());
        String path = store.save(state.snapshot(setup, settings, provenance), runId);
        dropOlderThan(KEEP);
        dropEmptyMarkers();
        return path;
    }

    /** The markers of empty micro-batches, all older than the commit just written (which holds them). */
    private void dropEmptyMarkers() {
        for (Path marker : emptyMarkers()) {
            try {
                fs.delete(marker, false);
            } catch (IOException e) {
                LOG.warn("could not drop {}: {}", marker, e.getMessage());
            }
        }
    }

    private void dropOlderThan(int keep) {
        try {
            List<Path> commits = new ArrayList<>();
            for (FileStatus status : fs.listStatus(root)) {
                if (status.isDirectory() && status.getPath().getName().startsWith("step-")) {
                    commits.add(status.getPath());
                }
            }
            commits.sort((a, b) -> b.getName().compareTo(a.getName()));
            for (Path old : commits.subList(Math.min(keep, commits.size()), commits.size())) {
                fs.delete(old, true);
                LOG.debug("dropped old model commit {}", old);
            }
        } catch (IOException e) {
            LOG.warn("could not drop old model commits in {}: {}", root, e.getMessage());
        }
    }
}
