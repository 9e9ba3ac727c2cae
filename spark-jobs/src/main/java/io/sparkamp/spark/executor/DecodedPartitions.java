package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.spark.data.CachedBatch;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cached Arrow IPC batches of partitions, decoded once per executor and kept open across steps, so a
 * step does not rebuild its Arrow buffers (the per-step decode was most of the Spark-side cost), within
 * a budget of off-heap bytes ({@link ExecutorMemory#DECODED_BUDGET_KEY}).
 *
 * <p>The budget covers the partitions kept and the decodes in progress: a task reserves its partition's
 * expected size before decoding (closing least recently used partitions no task is using, if that makes
 * room) and grows the reservation batch by batch. A partition that does not fit is not kept: the task
 * gets its batches as a {@link BatchStream}, decoded one at a time and freed as it goes, so a training set
 * larger than the budget still trains, from Spark's cache, in bounded memory.
 */
public final class DecodedPartitions {
    private static final Logger LOG = LoggerFactory.getLogger(DecodedPartitions.class);

    private final BufferAllocator root;
    private final LongSupplier budget;
    private final Map<String, Entry> entries = new LinkedHashMap<>(16, 0.75f, true);
    /** Bytes of the partitions kept. */
    private long held;
    /** Bytes promised to decodes in progress. */
    private long reserved;

    DecodedPartitions(BufferAllocator root, LongSupplier budget) {
        this.root = root;
        this.budget = budget;
    }

    /**
     * A task's access to a partition of cached batches: its rows kept decoded (shared with later steps),
     * or its batches streamed when they do not fit the budget.
     *
     * @param key           the partition, unique in this JVM (see {@code PartitionLayout.key})
     * @param expectedBytes the partition's size in Spark's cache, which its decoded size is close to
     */
    public Access open(String key, long expectedBytes, Iterator<CachedBatch> cached) {
        Entry existing = acquire(key);
        if (existing != null) {
            return new Access(this, existing, null);
        }
        long promised = Math.max(0, expectedBytes);
        BufferAllocator allocator = root.newChildAllocator("partition " + key, 0, Long.MAX_VALUE);
        if (!reserve(promised)) {
            return new Access(this, null, new BatchStream(allocator, List.of(), cached));
        }
        List<TrainingBatch> batches = new ArrayList<>();
        try {
            while (cached.hasNext()) {
                batches.add(TrainingBatch.fromIpcBytes(allocator, cached.next().ipc()));
                long used = allocator.getAllocatedMemory();
                if (used > promised) {
                    if (!reserve(used - promised)) { // larger than expected and no room: stream what is left
                        unreserve(promised);
                        LOG.debug("partition {} does not fit the decoded budget; streaming it", key);
                        return new Access(this, null, new BatchStream(allocator, batches, cached));
                    }
                    promised = used;
                }
            }
        } catch (RuntimeException e) {
            unreserve(promised);
            batches.forEach(TrainingBatch::close);
            allocator.close();
            throw e;
        }
        return new Access(this, admit(key, new PartitionRows(allocator, batches), promised), null);
    }

    /** Closes every kept partition no task is using (end of a job in this JVM, or tests checking for leaks). */
    public synchronized void clear() {
        entries.values().removeIf(e -> {
            if (e.users == 0) {
                e.rows.close();
                held -= e.bytes;
                return true;
            }
            return false;
        });
    }

    /** Off-heap bytes held by kept partitions now. */
    synchronized long bytesHeld() {
        return held;
    }

    private synchronized Entry acquire(String key) {
        Entry e = entries.get(key);
        if (e != null) {
            e.users++;
        }
        return e;
    }

    /** Promises {@code bytes} more to a decode, closing unused partitions if that makes them fit. */
    private synchronized boolean reserve(long bytes) {
        long capacity = budget.getAsLong();
        long evictable = 0;
        for (Entry e : entries.values()) {
            evictable += e.users == 0 ? e.bytes : 0;
        }
        if (held - evictable + reserved + bytes > capacity) {
            return false;
        }
        Iterator<Entry> lru = entries.values().iterator();
        while (held + reserved + bytes > capacity && lru.hasNext()) {
            Entry old = lru.next();
            if (old.users == 0) {
                old.rows.close();
                held -= old.bytes;
                lru.remove();
            }
        }
        reserved += bytes;
        return true;
    }

    private synchronized void unreserve(long bytes) {
        reserved -= bytes;
    }

    private synchronized Entry admit(String key, PartitionRows rows, long promised) {
        reserved -= promised;
        long size = rows.bytesUsed();
        Entry entry = new Entry(rows, size, !entries.containsKey(key));
        entry.users = 1;
        if (entry.kept) {
            entries.put(key, entry);
            held += size;
            LOG.debug("kept partition {} decoded ({} bytes, {} in all)", key, size, held);
        }
        return entry;
    }

    private synchronized void release(Entry e) {
        e.users--;
        if (!e.kept && e.users == 0) {
            e.rows.close();
        }
    }

    /**
     * What a task reads its partition through: {@link #rows()} when the partition is kept decoded, else
     * {@link #stream()}. Closing it releases the kept rows to later steps, or frees the stream.
     */
    public static final class Access implements AutoCloseable {
        private final DecodedPartitions owner;
        private final Entry entry;
        private final BatchStream stream;

        private Access(DecodedPartitions owner, Entry entry, BatchStream stream) {
            this.owner = owner;
            this.entry = entry;
            this.stream = stream;
        }

        /** All rows of the partition, or null when it is streamed. */
        public RowSource rows() {
            return entry == null ? null : entry.rows.source();
        }

        /** The partition's decoded batches one at a time, or null when it is kept. */
        public BatchStream stream() {
            return stream;
        }

        @Override
        public void close() {
            if (entry != null) {
                owner.release(entry);
            } else {
                stream.close();
            }
        }
    }

    private static final class Entry {
        final PartitionRows rows;
        final long bytes;
        /** False when another task kept the same partition first: this copy lives for its task only. */
        final boolean kept;
        int users;

        Entry(PartitionRows rows, long bytes, boolean kept) {
            this.rows = rows;
            this.bytes = bytes;
            this.kept = kept;
        }
    }
}
