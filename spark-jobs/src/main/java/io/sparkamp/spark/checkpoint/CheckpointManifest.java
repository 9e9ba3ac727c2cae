package io.sparkamp.spark.checkpoint;

import io.sparkamp.spark.json.Json;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code MANIFEST.json}, written last into a checkpoint: the format version, the run that wrote it, its
 * step, and every other file with its size and SHA-256. A checkpoint is complete and intact exactly when
 * its manifest is there and every file it lists matches.
 */
final class CheckpointManifest {
    static final String NAME = "MANIFEST.json";
    /** The run id of checkpoints written before manifests carried one. */
    static final String UNKNOWN_RUN = "unknown (written before run ids)";

    private final FileSystem fs;

    CheckpointManifest(FileSystem fs) {
        this.fs = fs;
    }

    /** Writes the manifest of every file now under {@code dir}. */
    void write(Path dir, String runId, long steps) throws IOException {
        Map<String, Object> files = new TreeMap<>();
        for (FileStatus status : listFilesRecursively(dir)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("bytes", status.getLen());
            entry.put("sha256", sha256(status.getPath()));
            files.put(relativePath(dir, status.getPath()), entry);
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format_version", CheckpointCodec.FORMAT_VERSION);
        manifest.put("run_id", runId);
        manifest.put("steps", steps);
        manifest.put("files", files);
        try (FSDataOutputStream out = fs.create(new Path(dir, NAME), false)) {
            out.write(Json.line(manifest).getBytes(StandardCharsets.UTF_8));
        }
    }

    /** Null when {@code dir} holds a manifest and every file it lists with the right size and checksum; else what is wrong. */
    @SuppressWarnings("unchecked")
    String verify(Path dir) {
        try {
            if (!fs.exists(new Path(dir, NAME))) {
                return "no " + NAME + " (its write never finished)";
            }
            Map<String, Object> files = (Map<String, Object>) read(dir).get("files");
            if (files == null || files.isEmpty()) {
                return NAME + " lists no files";
            }
            for (Map.Entry<String, Object> file : files.entrySet()) {
                Path p = new Path(dir, file.getKey());
                Map<String, Object> entry = (Map<String, Object>) file.getValue();
                if (!fs.exists(p)) {
                    return "missing file " + file.getKey();
                }
                long bytes = ((Number) entry.get("bytes")).longValue();
                long actual = fs.getFileStatus(p).getLen();
                if (actual != bytes) {
                    return "file " + file.getKey() + " has " + actual + " bytes, " + NAME + " says " + bytes;
                }
                if (!intact(p, (String) entry.get("sha256"))) {
                    return "checksum mismatch in " + file.getKey();
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    /** Whether {@code file} has the SHA-256 {@code expected}; a local file whose .crc sidecar disagrees has not. */
    private boolean intact(Path file, String expected) throws IOException {
        try {
            return sha256(file).equals(expected);
        } catch (ChecksumException e) {
            return false;
        }
    }

    /** The id of the run that wrote the checkpoint in {@code dir}, or {@link #UNKNOWN_RUN}. */
    String runId(Path dir) {
        try {
            Object id = read(dir).get("run_id");
            return id == null ? UNKNOWN_RUN : id.toString();
        } catch (IOException | RuntimeException e) {
            return UNKNOWN_RUN;
        }
    }

    private Map<String, Object> read(Path dir) throws IOException {
        try (FSDataInputStream in = fs.open(new Path(dir, NAME))) {
            return Json.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code file}'s path below {@code dir}, with '/' separators. Both are qualified first: a directory
     * given without a scheme and a listed file carrying {@code file:} would otherwise not relativize, and
     * the manifest would list absolute paths into the temporary directory that the commit renames.
     */
    private String relativePath(Path dir, Path file) {
        String parent = fs.makeQualified(dir).toUri().getPath();
        String child = fs.makeQualified(file).toUri().getPath();
        String prefix = parent.endsWith("/") ? parent : parent + "/";
        if (!child.startsWith(prefix)) {
            throw new IllegalStateException(file + " is not inside " + dir);
        }
        return child.substring(prefix.length());
    }

    private List<FileStatus> listFilesRecursively(Path dir) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDirectory()) {
                out.addAll(listFilesRecursively(status.getPath()));
            } else {
                out.add(status);
            }
        }
        return out;
    }

    private String sha256(Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }
}
