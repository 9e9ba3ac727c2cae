package io.sparkamp.spark.executor;

import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.spark.data.CachedBatch;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.arrow.memory.BufferAllocator;

/**
 * A partition's batches decoded one at a time: first those a task had already decoded, then the rest of
 * Spark's cached batches as they are asked for. The consumer closes each batch when done with it, so the
 * stream holds about one batch of off-heap memory; {@link #close()} frees whatever is left.
 */
public final class BatchStream implements Iterator<TrainingBatch>, AutoCloseable {
    private final BufferAllocator allocator;
    private final Deque<TrainingBatch> decoded;
    private final Iterator<CachedBatch> cached;

    BatchStream(BufferAllocator allocator, List<TrainingBatch> decoded, Iterator<CachedBatch> cached) {
        this.allocator = allocator;
        this.decoded = new ArrayDeque<>(decoded);
        this.cached = cached;
    }

    @Override
    public boolean hasNext() {
        return !decoded.isEmpty() || cached.hasNext();
    }

    /** The next batch; the caller closes it. */
    @Override
    public TrainingBatch next() {
        if (!decoded.isEmpty()) {
            return decoded.poll();
        }
        if (!cached.hasNext()) {
            throw new NoSuchElementException("no more batches");
        }
        return TrainingBatch.fromIpcBytes(allocator, cached.next().ipc());
    }

    @Override
    public void close() {
        decoded.forEach(TrainingBatch::close);
        decoded.clear();
        allocator.close();
    }
}
