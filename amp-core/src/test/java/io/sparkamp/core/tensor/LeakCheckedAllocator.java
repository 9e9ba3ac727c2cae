package io.sparkamp.core.tensor;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * A fresh root allocator for each test, closed after it. Closing throws IllegalStateException while any
 * buffer is still outstanding, so a leak fails the test.
 */
abstract class LeakCheckedAllocator {
    protected BufferAllocator root;

    @BeforeEach
    void openAllocator() {
        root = new RootAllocator();
    }

    @AfterEach
    void closeAllocator() {
        root.close();
    }
}
