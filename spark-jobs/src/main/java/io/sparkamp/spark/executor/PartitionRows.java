package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.spark.data.CachedBatch;
import org.apache.arrow.memory.BufferAllocator;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A task's view of its partition: the cached Arrow IPC batches opened under one child allocator of
 * the executor's root, exposed as a {@link RowSource}, and all freed by {@link #close()} (which fails
 * loudly if anything leaked).
 */
final class PartitionRows implements AutoCloseable {
    private final BufferAllocator allocator;
    private final List<TrainingBatch> batches;
    private final RowSource source;

    private PartitionRows(BufferAllocator allocator, List<TrainingBatch> batches) {
        this.allocator = allocator;
        this.batches = batches;
        this.source = new BatchRowSource(batches);
    }

    static PartitionRows open(Iterator<CachedBatch> cached, String taskName) {
        BufferAllocator allocator = ExecutorMemory.root().newChildAllocator(taskName, 0, Long.MAX_VALUE);
        List<TrainingBatch> batches = new ArrayList<>();
        try {
            while (cached.hasNext()) {
                batches.add(TrainingBatch.fromIpcBytes(allocator, cached.next().ipc()));
            }
            return new PartitionRows(allocator, batches);
        } catch (RuntimeException e) {
            batches.forEach(TrainingBatch::close);
            allocator.close();
            throw e;
        }
    }

    RowSource source() {
        return source;
    }

    /** Off-heap bytes the opened batches hold. */
    long bytesUsed() {
        return allocator.getAllocatedMemory();
    }

    @Override
    public void close() {
        batches.forEach(TrainingBatch::close);
        allocator.close();
    }
}
