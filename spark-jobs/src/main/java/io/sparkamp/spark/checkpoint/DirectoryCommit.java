package io.sparkamp.spark.checkpoint;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Makes a directory appear all at once: it is written under {@code _tmp-NAME-UUID} beside its final name
 * and renamed into place when complete, so a crash leaves a {@code _tmp-*} leftover, never a half-written
 * {@code NAME}. Needs a file system whose directory rename is atomic (local, HDFS); on object stores
 * without it, write checkpoints to HDFS or a committer-backed path.
 */
final class DirectoryCommit {
    static final String TEMP_PREFIX = "_tmp-";

    private final FileSystem fs;
    private final Path root;

    DirectoryCommit(FileSystem fs, Path root) {
        this.fs = fs;
        this.root = root;
    }

    /** A new, unique temporary directory for what will become {@code root/name}. */
    Path begin(String name) throws IOException {
        fs.mkdirs(root);
        return new Path(root, TEMP_PREFIX + name + "-" + UUID.randomUUID());
    }

    /** Renames {@code temp} to {@code root/name}; refuses to replace an existing {@code name}. */
    Path commit(Path temp, String name) throws IOException {
        Path target = new Path(root, name);
        if (fs.exists(target)) {
            throw new IOException(target + " already exists; a checkpoint is never replaced");
        }
        if (!fs.rename(temp, target)) {
            throw new IOException("rename " + temp + " -> " + target + " failed");
        }
        return target;
    }

    /** Temporary directories in {@code root}: writes that never committed. */
    List<Path> leftovers() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!fs.exists(root)) {
            return out;
        }
        for (FileStatus status : fs.listStatus(root)) {
            if (status.getPath().getName().startsWith(TEMP_PREFIX)) {
                out.add(status.getPath());
            }
        }
        return out;
    }
}
