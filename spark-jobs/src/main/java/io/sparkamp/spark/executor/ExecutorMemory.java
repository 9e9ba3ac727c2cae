package io.sparkamp.spark.executor;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

/** The one Arrow root allocator of this JVM; every task and encoder takes a named child of it and closes it. */
public final class ExecutorMemory {
    private static final BufferAllocator ROOT = new RootAllocator(Long.MAX_VALUE);

    private ExecutorMemory() {
    }

    public static BufferAllocator root() {
        return ROOT;
    }
}
