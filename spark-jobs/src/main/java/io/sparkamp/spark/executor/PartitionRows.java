package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.tensor.BatchRowSource;
import io.sparkamp.core.tensor.TrainingBatch;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A partition's decoded Arrow batches under one child allocator, exposed as a {@link RowSource}, and all
 * freed by {@link #close()} (which fails loudly if anything leaked).
 */
final class PartitionRows implements AutoCloseable {
    private final BufferAllocator allocator;
    private final List<TrainingBatch> batches;
    private final RowSource source;

    PartitionRows(BufferAllocator allocator, List<TrainingBatch> batches) {
        this.allocator = allocator;
        this.batches = List.copyOf(batches);
        this.source = new BatchRowSource(batches);
    }

    RowSource source() {
        return source;
    }

    /** Off-heap bytes the batches hold. */
    long bytesUsed() {
        return allocator.getAllocatedMemory();
    }

    @Override
    public void close() {
        batches.forEach(TrainingBatch::close);
        allocator.close();
    }
}
