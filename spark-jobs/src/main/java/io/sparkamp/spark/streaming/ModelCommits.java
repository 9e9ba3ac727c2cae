package io.sparkamp.spark.streaming;

import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.checkpoint.Checkpoints;
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
 * The stream's model commits: the whole training state and the id of the last micro-batch it holds,
 * written together as one Parquet checkpoint (atomic: a crash leaves the previous commit). The commit is
 * the record of which micro-batches are in the model; Spark's own stream checkpoint only says which
 * files or offsets each micro-batch id covers. The newest {@value #KEEP} commits are kept.
 */
final class ModelCommits {
    /** The key of the last applied micro-batch id in a commit. */
    static final String LAST_BATCH_ID = "stream_last_batch_id";
    /** Commits kept; older ones are deleted after each commit. */
    static final int KEEP = 2;
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
    private final Map<String, String> config;

    ModelCommits(SparkSession spark, StreamConfig stream, TrainingSetup setup) {
        this.store = new CheckpointStore(spark, stream.modelDir());
        this.root = new Path(stream.modelDir());
        this.setup = setup;
        Map<String, String> c = new LinkedHashMap<>(setup.config().describe());
        c.put("data", stream.source());
        c.put("stream", "true");
        this.config = c;
        try {
            this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + root, e);
        }
    }

    /** The newest complete commit, or step 0 from the seed. */
    Committed latest() {
        return store.loadNewest()
                .map(c -> new Committed(Checkpoints.restore(c, setup), Long.parseLong(c.provenance().get(LAST_BATCH_ID)), c.path()))
                .orElseGet(() -> new Committed(setup.freshState(), -1, null));
    }

    /** Commits {@code state} as holding every micro-batch up to {@code batchId}; returns the commit's path. */
    String commit(TrainingState state, long batchId, String fingerprint) {
        Map<String, String> provenance = new LinkedHashMap<>();
        provenance.put("spark_amp_version", Versions.sparkAmp());
        provenance.put("seed", Long.toString(setup.config().seed()));
        provenance.put(LAST_BATCH_ID, Long.toString(batchId));
        provenance.put("last_batch_fingerprint", fingerprint);
        provenance.put("created_at", java.time.Instant.now().toString());
        Checkpoint checkpoint = new Checkpoint(null, state.steps(), state.optimizerSteps(), state.skippedSteps(),
                state.master().clone(), state.optimizer().state().copy(), state.scaler().state(),
                setup.model().toSpecString(), config, provenance);
        String path = store.save(checkpoint, setup.model().layout());
        dropOlderThan(KEEP);
        return path;
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
