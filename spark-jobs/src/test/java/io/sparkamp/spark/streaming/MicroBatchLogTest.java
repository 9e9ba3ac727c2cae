package io.sparkamp.spark.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The micro-batch metrics file through Hadoop's FileSystem: a file: URI is appended to line by line (each
 * line readable as soon as it is written, the file kept across runs, no checksum file beside it), and on a
 * file system that cannot append (an object store) every line rewrites the whole file with the same result.
 */
class MicroBatchLogTest {
    @TempDir
    Path tmp;

    @Test
    void aFileUriIsAppendedToLineByLineAcrossRuns() throws Exception {
        Path file = tmp.resolve("run").resolve("micro-batches.jsonl");
        String uri = file.toUri().toString();
        assertTrue(uri.startsWith("file:/"), uri);
        try (MicroBatchLog log = new MicroBatchLog(new Configuration(), uri)) {
            log.append("{\"batch_id\":0}");
            assertEquals(List.of("{\"batch_id\":0}"), Files.readAllLines(file), "visible while the log is open");
            log.append("{\"batch_id\":1}");
            assertEquals(2, Files.readAllLines(file).size());
        }
        try (MicroBatchLog restarted = new MicroBatchLog(new Configuration(), uri)) {
            restarted.append("{\"batch_id\":2}");
        }
        assertEquals(List.of("{\"batch_id\":0}", "{\"batch_id\":1}", "{\"batch_id\":2}"), Files.readAllLines(file));
        try (var names = Files.list(file.getParent())) {
            assertEquals(List.of("micro-batches.jsonl"), names.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void withoutAppendEveryLineRewritesTheWholeFile() throws Exception {
        FileSystem fs = FileSystem.getLocal(new Configuration()).getRawFileSystem();
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(tmp.resolve("s3-like").resolve("m.jsonl").toString());
        Path local = tmp.resolve("s3-like").resolve("m.jsonl");
        try (MicroBatchLog log = new MicroBatchLog(fs, file, false)) {
            log.append("a");
            assertEquals(List.of("a"), Files.readAllLines(local), "whole after each line");
            log.append("b");
        }
        try (MicroBatchLog restarted = new MicroBatchLog(fs, file, false)) {
            restarted.append("c");
            assertEquals(List.of("a", "b", "c"), Files.readAllLines(local), "a restarted run keeps the earlier lines");
        }
        assertFalse(Files.exists(tmp.resolve("s3-like").resolve(".m.jsonl.crc")));
    }
}
