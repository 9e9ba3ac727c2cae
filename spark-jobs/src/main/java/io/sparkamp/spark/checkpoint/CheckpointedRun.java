package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.core.train.RunState;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.CachedTrainingData;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A training run and its checkpoint directory, from the start of the run to its end. {@link #start} is the
 * one place that decides how a run begins:
 * <ol>
 *   <li>takes the directory's lock ({@link DirectoryLock}): a second run on the same directory is refused, a lock
 *       left by a dead JVM is taken over;</li>
 *   <li>removes {@code _tmp-*} directories: checkpoint writes of dead runs that never committed (the lock says no
 *       live run is writing);</li>
 *   <li>without {@code --resume}: starts at step 0 from the seed, in a directory that holds no checkpoints — unless
 *       {@code --overwrite}, which deletes the previous run's checkpoints (each one named in the log) and moves its
 *       corrupt ones aside;</li>
 *   <li>with {@code --resume}: continues from the newest checkpoint that verifies. Settings that differ from the
 *       checkpoint's go through {@link ResumePolicy}; the changes that pass are recorded in the provenance of every
 *       later checkpoint. Once the resume is accepted, newer corrupt checkpoints are moved aside to
 *       {@code corrupt-step-NNNNNNNN-<time>} (never deleted or overwritten) and the log says where. When every
 *       checkpoint is corrupt the run is refused and nothing is moved; a directory without checkpoints starts at
 *       step 0.</li>
 * </ol>
 * Refusals are {@link ConfigException}s (exit 2) that name the directory, the holder or the setting, and leave the
 * directory as it was (but for leftovers and a stale lock). Afterwards
 * {@link #save} writes checkpoints under the run's id, and {@link #close} releases the lock.
 */
public final class CheckpointedRun implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointedRun.class);

    private final CheckpointStore store;
    private final DirectoryLock lock;
    private final TrainingSetup setup;
    private final TrainingState state;
    private final Map<String, String> recordedSettings;
    private final Map<String, String> provenance;
    private final String runId;

    private CheckpointedRun(CheckpointStore store, DirectoryLock lock, TrainingSetup setup, TrainingState state,
                            Map<String, String> recordedSettings, Map<String, String> provenance, String runId) {
        this.store = store;
        this.lock = lock;
        this.setup = setup;
        this.state = state;
        this.recordedSettings = recordedSettings;
        this.provenance = provenance;
        this.runId = runId;
    }

    /**
     * Starts a run: fresh from the seed or resumed from its checkpoint directory, as the settings
     * {@code checkpoint-dir}, {@code resume}, {@code overwrite} and {@code allow-changed} say (see the class comment).
     *
     * @param settings the job's settings (also read: {@code data}, {@code test-data}, recorded with each checkpoint)
     * @param setup    the run's engine setup
     * @param train    the cached training data (its fingerprint identifies the data on resume)
     * @throws ConfigException when the directory is in use, holds another run, holds only corrupt checkpoints, or the
     *                         resume would change a setting the policy refuses
     */
    public static CheckpointedRun start(SparkSession spark, Settings settings, TrainingSetup setup, CachedTrainingData train) {
        String directory = JobSettings.CHECKPOINT_DIR.get(settings);
        boolean resume = JobSettings.RESUME.get(settings);
        boolean overwrite = JobSettings.OVERWRITE.get(settings);
        Set<String> allowed = Arrays.stream(JobSettings.ALLOW_CHANGED.get(settings, "").split(",")).map(String::trim)
                .filter(s -> !s.isEmpty()).collect(Collectors.toCollection(LinkedHashSet::new));
        if (resume && overwrite) {
            throw new ConfigException("--resume and --overwrite contradict each other: --resume continues the run in "
                    + directory + ", --overwrite deletes its checkpoints and starts a new one; give one of them");
        }
        if (directory == null && (resume || overwrite)) {
            throw new ConfigException("--" + (resume ? "resume" : "overwrite") + " needs --checkpoint-dir");
        }
        if (!allowed.isEmpty() && !resume) {
            throw new ConfigException("--allow-changed (from " + settings.sourceOf(JobSettings.ALLOW_CHANGED.key())
                    + ") applies to --resume only");
        }
        Map<String, String> recorded = new LinkedHashMap<>();
        recorded.put(JobSettings.DATA.key(), JobSettings.DATA.get(settings));
        recorded.put(JobSettings.INPUT_STORAGE.key(), JobSettings.INPUT_STORAGE.get(settings));
        if (JobSettings.TEST_DATA.isSet(settings)) {
            recorded.put(JobSettings.TEST_DATA.key(), JobSettings.TEST_DATA.get(settings));
        }
        Map<String, String> base = baseProvenance(spark, setup, recorded.get(JobSettings.DATA.key()), train);
        if (directory == null) {
            String id = newRunId();
            return new CheckpointedRun(null, null, setup, setup.freshState(), recorded, withRun(base, id, null, null), id);
        }
        CheckpointStore store = new CheckpointStore(spark, directory);
        DirectoryLock lock = DirectoryLock.acquire(store.fileSystem(), store.root());
        try {
            removeLeftovers(store);
            if (resume) {
                Map<Path, String> corrupt = new LinkedHashMap<>();
                Optional<Path> newest = newestIntact(store, corrupt);
                if (newest.isPresent()) {
                    CheckpointedRun run = resumed(store, lock, setup, train, recorded, base, store.read(newest.get()), allowed);
                    corrupt.forEach((path, why) -> LOG.warn("--resume: checkpoint {} is corrupt ({}); moved aside to {}",
                            path, why, store.moveAside(path)));
                    return run;
                }
                LOG.warn("--resume: no checkpoint in {} yet; starting from step 0", directory);
            } else {
                clearForNewRun(store, overwrite);
            }
            String id = newRunId();
            return new CheckpointedRun(store, lock, setup, setup.freshState(), recorded, withRun(base, id, null, null), id);
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** The state the run starts from: step 0 from the seed, or the resumed checkpoint's. */
    public TrainingState state() {
        return state;
    }

    /** The run's id: new for a fresh run, the checkpoint's for a resumed one. In every manifest and provenance. */
    public String runId() {
        return runId;
    }

    /** True when the run has a checkpoint directory. */
    public boolean writesCheckpoints() {
        return store != null;
    }

    /** Writes a checkpoint of {@code current} and returns its path. */
    public String save(TrainingState current) {
        if (store == null) {
            throw new IllegalStateException("this run has no --checkpoint-dir");
        }
        return store.save(snapshot(current), runId);
    }

    /** The run state of {@code current} as a checkpoint of this run would hold it (settings and provenance included). */
    public RunState snapshot(TrainingState current) {
        return current.snapshot(setup, recordedSettings, provenance);
    }

    /** The newest intact checkpoint in the run's directory (e.g. a resumed run that had no steps left to do). */
    public Optional<String> newestCheckpoint() {
        if (store == null) {
            return Optional.empty();
        }
        return store.checkpointsNewestFirst().stream().filter(p -> store.verify(p) == null).findFirst().map(Path::toString);
    }

    /** Releases the directory's lock. */
    @Override
    public void close() {
        if (lock != null) {
            lock.close();
        }
    }

    private static CheckpointedRun resumed(CheckpointStore store, DirectoryLock lock, TrainingSetup setup, CachedTrainingData train,
                                           Map<String, String> recorded, Map<String, String> base, Checkpoint checkpoint,
                                           Set<String> allowed) {
        Map<String, String> saved = new LinkedHashMap<>(checkpoint.config());
        saved.put(ResumePolicy.DATA, checkpoint.provenance().get("data_fingerprint"));
        saved.put(ResumePolicy.PARTITIONS, checkpoint.provenance().get("partitions"));
        Map<String, String> now = new LinkedHashMap<>(setup.config().describe());
        now.put(ResumePolicy.DATA, train.fingerprint());
        now.put(ResumePolicy.PARTITIONS, Integer.toString(train.partitionRows().length));
        now.put(ResumePolicy.INPUT_STORAGE, recorded.get(ResumePolicy.INPUT_STORAGE)); // older checkpoints lack it: no change
        List<ResumePolicy.Change> changes = ResumePolicy.check(checkpoint.path(), saved, now, allowed);

        RunState state = checkpoint.state();
        if (ResumePolicy.restartsScaler(changes)) {
            ScalerState initial = ScalerState.initial(setup.config().scaler());
            state = state.withScaler(new ScalerState(initial.scale(), 0, initial.hysteresisLeft(), 0, state.scaler().totalSkips()));
            LOG.warn("--resume: the loss-scale settings changed, so the loss scaler restarts at scale {}", initial.scale());
        }
        TrainingState live = setup.restore(state);
        String id = CheckpointManifest.UNKNOWN_RUN.equals(checkpoint.runId()) ? newRunId() : checkpoint.runId();
        String history = checkpoint.provenance().get("setting_changes");
        if (!changes.isEmpty()) {
            String entry = "step " + checkpoint.steps() + ": "
                    + changes.stream().map(ResumePolicy.Change::toString).collect(Collectors.joining(", "));
            history = history == null ? entry : history + "; " + entry;
            boolean allFree = changes.stream().allMatch(c -> c.kind() == ResumePolicy.Kind.FREE);
            (allFree ? LOG.atInfo() : LOG.atWarn()).log("--resume: settings changed at step {}: {}", checkpoint.steps(), changes);
        }
        LOG.info("resuming run {} from {} at step {}", id, checkpoint.path(), checkpoint.steps());
        return new CheckpointedRun(store, lock, setup, live, recorded, withRun(base, id, checkpoint.path(), history), id);
    }

    /**
     * The newest checkpoint that verifies, collecting the corrupt ones newer than it into {@code corrupt}. When none
     * verifies, the run is refused and nothing is moved, so the user decides what becomes of them.
     */
    private static Optional<Path> newestIntact(CheckpointStore store, Map<Path, String> corrupt) {
        for (Path candidate : store.checkpointsNewestFirst()) {
            String problem = store.verify(candidate);
            if (problem == null) {
                return Optional.of(candidate);
            }
            corrupt.put(candidate, problem);
        }
        if (!corrupt.isEmpty()) {
            throw new ConfigException("--resume: every checkpoint in " + store.root() + " is corrupt: "
                    + corrupt.entrySet().stream().map(e -> e.getKey().getName() + " (" + e.getValue() + ")")
                    .collect(Collectors.joining(", "))
                    + ". They are left as they are. To start again from step 0, run with --overwrite instead of --resume "
                    + "(it moves corrupt checkpoints aside as corrupt-step-*, never deletes them)");
        }
        return Optional.empty();
    }

    /** A new run needs a directory without checkpoints; --overwrite empties it (intact ones deleted, corrupt ones moved). */
    private static void clearForNewRun(CheckpointStore store, boolean overwrite) {
        List<Path> existing = store.checkpointsNewestFirst();
        if (existing.isEmpty()) {
            return;
        }
        Set<String> runs = existing.stream().map(store::runId).collect(Collectors.toCollection(LinkedHashSet::new));
        String held = existing.size() + " checkpoint(s) (" + existing.get(existing.size() - 1).getName() + " to "
                + existing.get(0).getName() + ") of run " + String.join(", ", runs);
        if (!overwrite) {
            throw new ConfigException("checkpoint directory " + store.root() + " holds " + held + ". Pass --resume to continue "
                    + "that run, --overwrite to delete its checkpoints and start a new one, or use another --checkpoint-dir");
        }
        List<String> deleted = new ArrayList<>();
        for (Path checkpoint : existing) {
            String problem = store.verify(checkpoint);
            if (problem == null) {
                store.delete(checkpoint);
                deleted.add(checkpoint.getName());
            } else {
                LOG.warn("--overwrite: checkpoint {} is corrupt ({}); moved aside to {}", checkpoint, problem,
                        store.moveAside(checkpoint));
            }
        }
        if (!deleted.isEmpty()) {
            LOG.warn("--overwrite: deleted {} of {} from {}: {}", deleted.size(), held, store.root(), deleted);
        }
    }

    /** Leftover _tmp-* directories: the writer is gone (this run holds the lock and has written nothing yet). */
    private static void removeLeftovers(CheckpointStore store) {
        for (Path leftover : store.leftovers()) {
            store.delete(leftover);
            LOG.warn("removed {}: a checkpoint write that never finished (its run is gone)", leftover);
        }
    }

    /** How the model was made (Tribuo-style): versions, seed and a fingerprint of the training data. */
    private static Map<String, String> baseProvenance(SparkSession spark, TrainingSetup setup, String dataPath,
                                                      CachedTrainingData train) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spark_amp_version", Versions.sparkAmp());
        p.put("spark_version", spark.version());
        p.put("java_version", System.getProperty("java.version"));
        p.put("seed", Long.toString(setup.config().seed()));
        p.put("data_path", dataPath);
        p.put("data_rows", Long.toString(train.rowCount()));
        p.put("data_features", Integer.toString(train.featureCount()));
        p.put("data_fingerprint", train.fingerprint());
        p.put("partitions", Integer.toString(train.partitionRows().length));
        p.put("created_at", Instant.now().toString());
        return p;
    }

    private static Map<String, String> withRun(Map<String, String> base, String runId, String resumedFrom, String changes) {
        Map<String, String> p = new LinkedHashMap<>(base);
        p.put("run_id", runId);
        if (resumedFrom != null) {
            p.put("resumed_from", resumedFrom);
        }
        if (changes != null) {
            p.put("setting_changes", changes);
        }
        return p;
    }

    private static String newRunId() {
        return UUID.randomUUID().toString();
    }
}
