package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.train.RunState;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The checkpoints of one directory, one {@code step-NNNNNNNN} directory each:
 *
 * <pre>
 *   DIR/step-00000100/tensors/*.parquet, state/*.parquet   the {@link RunState} ({@link CheckpointCodec})
 *   DIR/step-00000100/MANIFEST.json                       run id, every file's size and SHA-256 ({@link CheckpointManifest})
 * </pre>
 *
 * A checkpoint is written under a temporary name and renamed into place after its manifest
 * ({@link DirectoryCommit}), so a crash leaves the previous checkpoints loadable. Reading never changes
 * the directory; who may write into it, and what happens to corrupt checkpoints and leftovers, is
 * {@link CheckpointedRun}'s business. No Java serialization anywhere.
 */
public final class CheckpointStore {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    static final String PREFIX = "step-";
    static final String CORRUPT_PREFIX = "corrupt-";
    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");

    private final Path root;
    private final FileSystem fs;
    private final CheckpointCodec codec;
    private final CheckpointManifest manifest;
    private final DirectoryCommit commit;

    public CheckpointStore(SparkSession spark, String directory) {
        this.root = new Path(directory);
        try {
            this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open checkpoint directory " + directory, e);
        }
        this.codec = new CheckpointCodec(spark);
        this.manifest = new CheckpointManifest(fs);
        this.commit = new DirectoryCommit(fs, root);
    }

    /** Writes {@code state} as DIR/step-NNNNNNNN on behalf of run {@code runId} and returns that path. */
    public String save(RunState state, String runId) {
        String name = name(state.steps());
        try {
            Path temp = commit.begin(name);
            codec.write(state, temp);
            WritePause.atStep(state.steps(), fs, temp);
            manifest.write(temp, runId, state.steps());
            Path target = commit.commit(temp, name);
            LOG.info("checkpoint written: {}", target);
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + new Path(root, name), e);
        }
    }

    /** The newest checkpoint that verifies, if any; the ones newer than it are skipped with a warning. */
    public Optional<Checkpoint> loadNewest() {
        for (Path candidate : checkpointsNewestFirst()) {
            String problem = verify(candidate);
            if (problem == null) {
                return Optional.of(read(candidate));
            }
            LOG.warn("skipping corrupt checkpoint {}: {}", candidate, problem);
        }
        return Optional.empty();
    }

    /** Loads the checkpoint at {@code path}; a checkpoint that does not verify is refused as bad input, naming what is wrong. */
    public Checkpoint load(String path) {
        Path dir = new Path(path);
        String problem = verify(dir);
        if (problem != null) {
            throw new ConfigException("checkpoint " + path + " is corrupt: " + problem);
        }
        return read(dir);
    }

    /** Null when {@code dir} is a complete, intact checkpoint; otherwise what is wrong with it. */
    String verify(Path dir) {
        return manifest.verify(dir);
    }

    /** The run that wrote the checkpoint in {@code dir}. */
    String runId(Path dir) {
        return manifest.runId(dir);
    }

    /** Every {@code step-*} directory, newest first (complete or not). */
    List<Path> checkpointsNewestFirst() {
        try {
            List<Path> dirs = new ArrayList<>();
            if (fs.exists(root)) {
                for (FileStatus status : fs.listStatus(root)) {
                    if (status.isDirectory() && status.getPath().getName().startsWith(PREFIX)) {
                        dirs.add(status.getPath());
                    }
                }
            }
            dirs.sort((a, b) -> b.getName().compareTo(a.getName()));
            return dirs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint directory " + root, e);
        }
    }

    /** Writes that never committed ({@code _tmp-*}). */
    List<Path> leftovers() {
        try {
            return commit.leftovers();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint directory " + root, e);
        }
    }

    /** Moves a corrupt checkpoint aside, to {@code corrupt-step-NNNNNNNN-<UTC time>}, and returns where it went. */
    Path moveAside(Path checkpoint) {
        String stamp = ZonedDateTime.now(ZoneOffset.UTC).format(STAMP);
        Path target = new Path(root, CORRUPT_PREFIX + checkpoint.getName() + "-" + stamp);
        try {
            for (int n = 2; fs.exists(target); n++) {
                target = new Path(root, CORRUPT_PREFIX + checkpoint.getName() + "-" + stamp + "-" + n);
            }
            if (!fs.rename(checkpoint, target)) {
                throw new IOException("rename failed");
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move corrupt checkpoint " + checkpoint + " to " + target, e);
        }
    }

    /** Deletes {@code path} (a checkpoint or a leftover) and everything under it. */
    void delete(Path path) {
        try {
            if (fs.exists(path) && !fs.delete(path, true)) {
                throw new IOException("delete failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + path, e);
        }
    }

    FileSystem fileSystem() {
        return fs;
    }

    Path root() {
        return root;
    }

    static String name(long steps) {
        return String.format("%s%08d", PREFIX, steps);
    }

    Checkpoint read(Path dir) {
        try {
            return new Checkpoint(dir.toString(), manifest.runId(dir), codec.read(dir, dir.toString()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + dir, e);
        }
    }
}
