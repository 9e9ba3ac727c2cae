package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Bf16;
import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkspaceTest extends LeakCheckedAllocator {
    @Test
    void slotsAreReusedAlignedAndGrowOnlyWhenTooSmall() {
        try (Workspace ws = Workspace.offHeap(root, "test")) {
            Object layer = new Object();
            Matrix first = ws.matrix(layer, "out", Precision.BF16, 512, 256);
            assertTrue(first.isOffHeap());
            assertEquals(0, first.address() % 64, "64-byte aligned for vector loads and oneDNN");
            long held = ws.bytesHeld();
            Matrix smaller = ws.matrix(layer, "out", Precision.FP32, 100, 256);
            assertEquals(first.address(), smaller.address(), "a smaller request reuses the buffer");
            assertEquals(held, ws.bytesHeld(), "and allocates nothing");
            Matrix other = ws.matrix(new Object(), "out", Precision.BF16, 512, 256);
            assertNotEquals(first.address(), other.address(), "another owner's slot of the same name is another buffer");
            Matrix larger = ws.matrix(layer, "out", Precision.FP32, 512, 512);
            assertEquals(512 * 512 * 4, larger.bytes());
            assertTrue(ws.bytesHeld() >= 2 * 512 * 256 * 2 + 512 * 512 * 4);
        }
        assertEquals(0, root.getAllocatedMemory(), "close returns every byte");
    }

    @Test
    void aMatrixKeepsItsWorkspaceAndSoItsMemoryReachable() throws InterruptedException {
        // An unreachable workspace's cleaner frees its memory: a matrix still in use must keep it reachable.
        java.lang.ref.WeakReference<Workspace>[] workspace = new java.lang.ref.WeakReference[1];
        Matrix m = matrixOfAWorkspaceNobodyHolds(workspace);
        for (int round = 0; round < 3; round++) {
            System.gc();
            Thread.sleep(10);
        }
        assertTrue(workspace[0].get() != null, "the workspace stays reachable through its matrix");
        for (int i = 0; i < m.size(); i++) {
            assertEquals(i % 100, m.get(i), "element " + i);
        }
        java.lang.ref.Reference.reachabilityFence(m);
    }

    private static Matrix matrixOfAWorkspaceNobodyHolds(java.lang.ref.WeakReference<Workspace>[] reference) {
        Workspace ws = Workspace.offHeap();
        reference[0] = new java.lang.ref.WeakReference<>(ws);
        Matrix m = ws.matrix(new Object(), "kept", Precision.FP32, 64, 64).slice(0, 64, 64);
        for (int i = 0; i < m.size(); i++) {
            m.set(i, i % 100);
        }
        return m;
    }

    @Test
    void derivedContentsAreRefilledOnlyForANewSource() {
        try (Workspace ws = Workspace.offHeap(root, "test")) {
            AtomicInteger fills = new AtomicInteger();
            Object stepOne = new Object();
            Object stepTwo = new Object();
            for (Object source : new Object[] {stepOne, stepOne, stepOne, stepTwo, stepTwo}) {
                Matrix m = ws.derived(this, "weights", source, Precision.FP32, 1, 8, filled -> {
                    fills.incrementAndGet();
                    filled.set(0, fills.get());
                });
                assertEquals(fills.get(), m.get(0), 0f);
            }
            assertEquals(2, fills.get(), "once per source");
            ws.derived(this, "weights", stepTwo, Precision.FP16, 1, 8, filled -> fills.incrementAndGet());
            assertEquals(3, fills.get(), "refilled when the same source is asked for in another storage");
        }
    }

    @Test
    void aClosedWorkspaceRefusesWork() {
        Workspace ws = Workspace.offHeap(root, "test");
        ws.matrix(this, "x", Precision.FP32, 4, 4);
        ws.close();
        ws.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ws.matrix(this, "x", Precision.FP32, 4, 4));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void matricesRoundIntoTheirStorageAndSliceInPlace() {
        try (Workspace ws = Workspace.offHeap(root, "test")) {
            float[] values = {1.0001f, -3.14159f, 65520f, 1e-9f, Float.NaN, -0f};
            for (Precision storage : Precision.values()) {
                Matrix m = ws.matrix(this, storage.label(), storage, 2, 3);
                m.writeFloats(values, 0);
                float[] back = m.toFloats();
                for (int i = 0; i < values.length; i++) {
                    float expected = storage == Precision.FP16 ? Fp16.round(values[i])
                            : storage == Precision.BF16 ? Bf16.round(values[i]) : values[i];
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(back[i]), storage + " value " + i);
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(m.get(i)), storage + " get " + i);
                }
                Matrix row = m.slice(3, 1, 3);
                assertEquals(m.address() + 3L * storage.bytes(), row.address());
                row.set(0, 2f);
                assertEquals(2f, m.get(3), 0f, "a slice is a view");
                m.clear();
                assertArrayEquals(new float[6], m.toFloats(), 0f);
            }
            Matrix codes = ws.matrix(this, "codes", Precision.BF16, 1, 2);
            assertThrows(IllegalArgumentException.class, () -> codes.markRoundedTo(Precision.FP16));
            Matrix floats = ws.matrix(this, "floats", Precision.FP32, 1, 2);
            assertFalse(floats.isExactIn(Precision.BF16));
            assertTrue(floats.markRoundedTo(Precision.BF16).isExactIn(Precision.BF16));
            assertThrows(IndexOutOfBoundsException.class, () -> floats.slice(1, 1, 2));
        }
    }

    @Test
    void heapWorkspacesHoldNoNativeMemory() {
        try (Workspace ws = Workspace.onHeap()) {
            Matrix m = ws.matrix(this, "x", Precision.FP16, 3, 3);
            assertFalse(m.isOffHeap());
            assertThrows(IllegalStateException.class, m::address);
            m.set(4, 0.5f);
            assertEquals(0.5f, m.get(4), 0f);
            assertEquals(0, ws.bytesHeld());
        }
    }
}
