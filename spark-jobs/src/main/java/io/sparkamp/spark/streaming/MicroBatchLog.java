package io.sparkamp.spark.streaming;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The micro-batch metrics file (one JSON line per micro-batch), written through Hadoop's FileSystem so it
 * lives wherever the checkpoint directory does (local, file:, hdfs://, s3a://). Where the file system
 * appends (local, HDFS) the file is kept open and each line is flushed as it is written, so it can be
 * followed while the query runs; where it cannot (object stores: a file appears only when closed, whole)
 * the file is rewritten, whole, after each line. A run restarted on the same file adds to it.
 */
final class MicroBatchLog implements AutoCloseable {
    private final FileSystem fs;
    private final Path file;
    private final boolean appends;
    private FSDataOutputStream open;
    /** Rewrite mode: the file's content so far. */
    private StringBuilder content;

    MicroBatchLog(Configuration conf, String path) {
        this(fileSystem(conf, new Path(path)), new Path(path), null);
    }

    /** @param appends whether {@code fs} appends to {@code file}; null: ask the file system */
    MicroBatchLog(FileSystem fs, Path file, Boolean appends) {
        this.fs = fs;
        this.file = file;
        try {
            Path parent = file.getParent();
            if (parent != null) {
                fs.mkdirs(parent);
            }
            this.appends = appends != null ? appends : fs.hasPathCapability(file, CommonPathCapabilities.FS_APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the micro-batch metrics file " + file, e);
        }
    }

    /**
     * A local file goes through the raw local file system: a plain FileOutputStream that survives the
     * interrupt Spark sends when a query stops (an NIO channel would close), with no checksum file beside it.
     */
    private static FileSystem fileSystem(Configuration conf, Path file) {
        try {
            FileSystem fs = file.getFileSystem(conf);
            return fs instanceof LocalFileSystem local ? local.getRawFileSystem() : fs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the micro-batch metrics file " + file, e);
        }
    }

    /** Adds {@code line} (without its newline) to the file. */
    void append(String line) {
        byte[] bytes = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            if (appends) {
                if (open == null) {
                    open = fs.exists(file) ? fs.append(file) : fs.create(file, false);
                }
                open.write(bytes);
                open.hflush();
                return;
            }
            if (content == null) {
                content = new StringBuilder(existing());
            }
            content.append(line).append('\n');
            try (FSDataOutputStream out = fs.create(file, true)) {
                out.write(content.toString().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the micro-batch metrics line to " + file, e);
        }
    }

    private String existing() throws IOException {
        if (!fs.exists(file)) {
            return "";
        }
        try (FSDataInputStream in = fs.open(file)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Override
    public void close() {
        if (open == null) {
            return;
        }
        try {
            open.close();
            open = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close " + file, e);
        }
    }
}
