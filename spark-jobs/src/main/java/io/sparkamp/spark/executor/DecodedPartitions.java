package io.sparkamp.spark.executor;

import io.sparkamp.spark.data.CachedBatch;
import org.apache.spark.SparkEnv;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The cached Arrow IPC batches of a partition, opened once per executor and kept open across steps,
 * so a step does not rebuild its Arrow buffers (the per-step decode was most of the Spark-side cost).
 * Bounded by {@code spark.amp.executor.decodedCacheBytes} (default 2g of off-heap memory): over it, the
 * least recently used partitions not in use are closed, and a partition that does not fit is opened
 * for the task only — so a training set larger than memory still trains, from Spark's cache.
 */
public final class DecodedPartitions {
    static final String CAPACITY_KEY = "spark.amp.executor.decodedCacheBytes";
    private static final Logger LOG = LoggerFactory.getLogger(DecodedPartitions.class);
    private static final Map<String, Entry> ENTRIES = new LinkedHashMap<>(16, 0.75f, true);
    private static long bytes;

    private DecodedPartitions() {
    }

    /** Runs {@code work} on the rows of partition {@code partition} of the cached RDD {@code rddId}. */
    static void withRows(int rddId, int partition, Iterator<CachedBatch> cached, Consumer<PartitionRows> work) {
        String key = rddId + "/" + partition;
        Entry entry = acquire(key);
        if (entry == null) {
            PartitionRows rows = PartitionRows.open(cached, "rdd " + key);
            entry = admit(key, rows);
            if (entry == null) { // too big to keep: this task only
                try (rows) {
                    work.accept(rows);
                }
                return;
            }
        }
        try {
            work.accept(entry.rows);
        } finally {
            release(entry);
        }
    }

    /** Closes every open partition (end of a job in this JVM, or tests checking for leaks). */
    public static synchronized void clear() {
        ENTRIES.values().removeIf(e -> {
            if (e.users == 0) {
                e.rows.close();
                bytes -= e.bytes;
                return true;
            }
            return false;
        });
    }

    private static synchronized Entry acquire(String key) {
        Entry e = ENTRIES.get(key);
        if (e != null) {
            e.users++;
        }
        return e;
    }

    private static synchronized Entry admit(String key, PartitionRows rows) {
        long size = rows.bytesUsed();
        long capacity = capacity();
        if (size > capacity) {
            return null;
        }
        Iterator<Entry> lru = ENTRIES.values().iterator();
        while (bytes + size > capacity && lru.hasNext()) {
            Entry old = lru.next();
            if (old.users == 0) {
                old.rows.close();
                bytes -= old.bytes;
                lru.remove();
            }
        }
        if (bytes + size > capacity) {
            return null;
        }
        Entry e = new Entry(rows, size);
        e.users = 1;
        ENTRIES.put(key, e);
        bytes += size;
        LOG.debug("kept partition {} open ({} bytes, {} in all)", key, size, bytes);
        return e;
    }

    private static synchronized void release(Entry e) {
        e.users--;
    }

    /** The bound from the Spark conf on executors; from a system property of the same name elsewhere (tests). */
    private static long capacity() {
        SparkEnv env = SparkEnv.get();
        return env != null ? env.conf().getSizeAsBytes(CAPACITY_KEY, "2g")
                : org.apache.spark.network.util.JavaUtils.byteStringAsBytes(System.getProperty(CAPACITY_KEY, "2g"));
    }

    /** Off-heap bytes held by open partitions now. */
    static synchronized long bytesHeld() {
        return bytes;
    }

    private static final class Entry {
        final PartitionRows rows;
        final long bytes;
        int users;

        Entry(PartitionRows rows, long bytes) {
            this.rows = rows;
            this.bytes = bytes;
        }
    }
}
