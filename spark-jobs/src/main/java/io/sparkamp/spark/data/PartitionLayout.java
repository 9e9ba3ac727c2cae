package io.sparkamp.spark.data;

import java.io.Serializable;

/**
 * What executor tasks need to know about the cached batches besides the batches themselves: the cached
 * RDD's id, and per partition its rows and its size in Spark's cache.
 *
 * @param rddId id of the cached RDD (executors key the partitions they keep decoded by it)
 * @param rows  rows per partition
 * @param bytes bytes per partition in Spark's cache (memory plus disk; 0 when unknown)
 */
public record PartitionLayout(int rddId, long[] rows, long[] bytes) implements Serializable {
    /** Rows of partition {@code p}. */
    public int rows(int p) {
        return Math.toIntExact(rows[p]);
    }

    /** Cached bytes of partition {@code p}. */
    public long bytes(int p) {
        return bytes[p];
    }
}
