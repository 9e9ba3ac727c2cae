package io.sparkamp.spark.checkpoint;

import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

import java.io.IOException;

/**
 * Test hook: with the system property {@value #PROPERTY} set to a step, the write of that step's
 * checkpoint stops after its data files and before its manifest, creates {@value #MARKER} in the
 * temporary directory, and waits there (up to ten minutes), so a test can kill the JVM in the middle of
 * a checkpoint write at a known moment. Inert unless the property is set.
 */
final class WritePause {
    static final String PROPERTY = "amp.test.pause-checkpoint-write-at-step";
    static final String MARKER = "PAUSED";
    private static final long MAX_WAIT_MS = 10 * 60 * 1000L;

    private WritePause() {
    }

    static void atStep(long steps, FileSystem fs, Path temp) throws IOException {
        String at = System.getProperty(PROPERTY);
        if (at == null || Long.parseLong(at.trim()) != steps) {
            return;
        }
        Path marker = new Path(temp, MARKER);
        fs.create(marker, false).close();
        try {
            Thread.sleep(MAX_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        fs.delete(marker, false);
    }
}
