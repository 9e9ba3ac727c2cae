package io.sparkamp.spark.data;

import java.io.Serializable;
import org.apache.arrow.memory.BufferAllocator;

/**
 * The off-heap memory that data code running on an executor (the batch encoder) borrows. The executor
 * owns the root allocator and its lifecycle; a borrower takes a named child of it and closes the child.
 * Serializable, because it travels with the Spark task that encodes the batches and is asked on the
 * executor, never on the driver. Implement it as a named class, not a lambda: the job jar relocates
 * Arrow, and a serialized lambda whose signature names an Arrow class no longer matches its
 * deserializer there.
 */
@FunctionalInterface
public interface ExecutorAllocator extends Serializable {
    /** The executor JVM's root allocator. */
    BufferAllocator root();
}
