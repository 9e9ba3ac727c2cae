package io.sparkamp.spark.streaming;

import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/**
 * Reads Spark's own stream checkpoint (its commit log: one file per micro-batch id Spark finished) to
 * check it against the model commit. After any crash Spark's log is at most one micro-batch behind the
 * model (that micro-batch is redelivered and skipped), never ahead: every micro-batch, an empty one too,
 * is recorded as applied before Spark commits it, so ahead means the model directory lost commits and
 * micro-batches Spark will not redeliver are missing from the model.
 */
final class StreamCheckpoints {
    private static final Logger LOG = LoggerFactory.getLogger(StreamCheckpoints.class);

    private StreamCheckpoints() {
    }

    /** The newest micro-batch id in Spark's commit log under {@code streamCheckpoint}, -1 when none. */
    static long lastSparkCommit(SparkSession spark, String streamCheckpoint) {
        Path commits = new Path(streamCheckpoint, "commits");
        try {
            FileSystem fs = commits.getFileSystem(spark.sparkContext().hadoopConfiguration());
            long newest = -1;
            if (fs.exists(commits)) {
                for (FileStatus f : fs.listStatus(commits)) {
                    String name = f.getPath().getName();
                    if (name.matches("\\d+")) {
                        newest = Math.max(newest, Long.parseLong(name));
                    }
                }
            }
            return newest;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read Spark's commit log in " + commits, e);
        }
    }

    /** Logs a warning when Spark's commit log holds micro-batches newer than the model commit's. */
    static void warnIfAhead(SparkSession spark, String streamCheckpoint, long lastApplied) {
        long finished = lastSparkCommit(spark, streamCheckpoint);
        if (finished > lastApplied) {
            LOG.warn("Spark's stream checkpoint {} has finished micro-batches up to {} but the newest model commit holds"
                    + " micro-batches up to {}: micro-batches {}..{} are not in the model and will not be redelivered"
                    + " (the model directory lost commits)", streamCheckpoint, finished,
                    lastApplied, lastApplied + 1, finished);
        }
    }
}
