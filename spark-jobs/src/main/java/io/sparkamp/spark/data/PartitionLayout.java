package io.sparkamp.spark.data;

import java.io.Serializable;

/**
 * What executor tasks need to know about the cached batches besides the batches themselves: which cached
 * RDD they are, and per partition its rows and its size in Spark's cache.
 *
 * @param applicationId the Spark application's id: RDD ids start again at 0 in every SparkContext, and a JVM
 *                      (local mode) can run several one after the other
 * @param rddId         id of the cached RDD
 * @param rows          rows per partition
 * @param bytes         bytes per partition in Spark's cache (memory plus disk; 0 when unknown)
 */
public record PartitionLayout(String applicationId, int rddId, long[] rows, long[] bytes) implements Serializable {
    /** What executors key the partitions they keep decoded by: application, RDD and partition. */
    public String key(int p) {
        return applicationId + "/rdd-" + rddId + "/" + p;
    }

    /** Rows of partition {@code p}. */
    public int rows(int p) {
        return Math.toIntExact(rows[p]);
    }

    /** Cached bytes of partition {@code p}. */
    public long bytes(int p) {
        return bytes[p];
    }
}
