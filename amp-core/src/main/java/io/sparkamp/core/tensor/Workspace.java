package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;

import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Named scratch matrices that a compute pass reuses across micro-batches and steps: each (owner, slot)
 * keeps one buffer that only grows, so steady-state steps allocate nothing. Off-heap workspaces take
 * their memory from an Arrow allocator they own (64-byte aligned, so native kernels and vector loads see
 * whole cache lines) and free all of it on {@link #close()}, which fails if anything leaked; heap
 * workspaces are for callers that need no native kernel (tests, one-off passes) and close to nothing.
 * An off-heap workspace that becomes unreachable without being closed is freed by a cleaner, as a
 * safety net; owners close it. Not thread-safe: one per worker thread.
 */
public final class Workspace implements AutoCloseable {
    private static final int ALIGNMENT = 64;
    private static final Cleaner CLEANER = Cleaner.create();

    private final BufferAllocator allocator;
    private final Map<Object, Map<String, Slot>> slots;
    private final Cleaner.Cleanable cleanable;
    private boolean closed;

    private Workspace(BufferAllocator allocator) {
        this.allocator = allocator;
        this.slots = new IdentityHashMap<>();
        this.cleanable = CLEANER.register(this, new Release(allocator, slots));
    }

    /** A workspace whose buffers are off-heap, in an allocator of its own. */
    public static Workspace offHeap() {
        return new Workspace(new RootAllocator(Long.MAX_VALUE));
    }

    /** A workspace whose buffers are off-heap, in a new child of {@code parent} named {@code name}. */
    public static Workspace offHeap(BufferAllocator parent, String name) {
        return new Workspace(parent.newChildAllocator(name, 0, parent.getLimit()));
    }

    /** A workspace on the Java heap. */
    public static Workspace onHeap() {
        return new Workspace(null);
    }

    /** True when the buffers are off-heap (a native kernel can read them in place). */
    public boolean isOffHeap() {
        return allocator != null;
    }

    /**
     * The rows×cols {@code storage} matrix that {@code owner} keeps under {@code slot}. Its contents
     * survive until the next call for the same slot with a larger size (which reallocates) or close.
     */
    public Matrix matrix(Object owner, String slot, Precision storage, int rows, int cols) {
        long bytes = (long) rows * cols * storage.bytes();
        if (bytes > Integer.MAX_VALUE - ALIGNMENT) {
            throw new IllegalArgumentException("workspace slot '" + slot + "': " + rows + "x" + cols + " " + storage
                    + " exceeds 2 GiB");
        }
        return slot(owner, slot, (int) bytes).matrix(storage, rows, cols, this);
    }

    /**
     * Like {@link #matrix}, for contents derived from {@code source}: {@code fill} writes them on the first
     * call and again only when a different {@code source} (by identity) is passed, e.g. once per step's
     * weights instead of once per micro-batch.
     */
    public Matrix derived(Object owner, String slot, Object source, Precision storage, int rows, int cols,
                          java.util.function.Consumer<Matrix> fill) {
        Matrix m = matrix(owner, slot, storage, rows, cols);
        Slot s = slots.get(owner).get(slot);
        if (s.source != source || s.filledAs != storage) {
            fill.accept(m);
            s.source = source;
            s.filledAs = storage;
        }
        return m;
    }

    /** Off-heap bytes held now (0 for a heap workspace). */
    public long bytesHeld() {
        return allocator == null ? 0 : allocator.getAllocatedMemory();
    }

    /** Frees every buffer; later calls fail. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cleanable.clean();
    }

    /** Frees the buffers and closes the allocator: on close, or once the workspace is unreachable. */
    private static final class Release implements Runnable {
        private final BufferAllocator allocator;
        private final Map<Object, Map<String, Slot>> slots;

        Release(BufferAllocator allocator, Map<Object, Map<String, Slot>> slots) {
            this.allocator = allocator;
            this.slots = slots;
        }

        @Override
        public void run() {
            for (Map<String, Slot> owned : slots.values()) {
                owned.values().forEach(Slot::free);
            }
            slots.clear();
            if (allocator != null) {
                allocator.close();
            }
        }
    }

    private Slot slot(Object owner, String name, int bytes) {
        if (closed) {
            throw new IllegalStateException("workspace is closed");
        }
        Slot s = slots.computeIfAbsent(owner, o -> new HashMap<>()).computeIfAbsent(name, n -> new Slot());
        s.ensure(allocator, bytes);
        return s;
    }

    /** One grow-only buffer. */
    private static final class Slot {
        private ArrowBuf arrow;
        private ByteBuffer buffer;
        private long address;
        /** What {@link #derived} last filled the buffer from, and as which storage. */
        private Object source;
        private Precision filledAs;

        void ensure(BufferAllocator allocator, int bytes) {
            if (buffer != null && buffer.capacity() >= bytes) {
                return;
            }
            free();
            source = null;
            int capacity = Math.max(bytes, 64);
            if (allocator == null) {
                buffer = ByteBuffer.allocate(capacity).order(ByteOrder.nativeOrder());
                return;
            }
            arrow = allocator.buffer(capacity + ALIGNMENT);
            long start = arrow.memoryAddress();
            int shift = (int) ((ALIGNMENT - start % ALIGNMENT) % ALIGNMENT);
            address = start + shift;
            buffer = arrow.nioBuffer(shift, capacity).order(ByteOrder.nativeOrder());
        }

        Matrix matrix(Precision storage, int rows, int cols, Workspace workspace) {
            return Matrix.over(buffer, address, storage, rows, cols, arrow == null ? null : workspace);
        }

        void free() {
            if (arrow != null) {
                arrow.close();
                arrow = null;
            }
            buffer = null;
            address = 0;
        }
    }
}
