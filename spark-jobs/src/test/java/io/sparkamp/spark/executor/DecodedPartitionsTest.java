package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.spark.data.CachedBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partitions kept decoded across steps within their budget: reused while they fit, least recently used
 * evicted when they do not, never evicted while a task uses them, and streamed one batch at a time
 * when they do not fit (also when they turn out larger than expected half way). Each test owns its
 * {@link ExecutorMemory}; closing it fails if any off-heap byte is left.
 */
class DecodedPartitionsTest {
    private static final int ROWS_PER_BATCH = 64;
    private static final int COLS = 32;
    private static final int BATCHES = 3;
    private long budget;
    private ExecutorMemory memory = new ExecutorMemory(() -> budget);

    @AfterEach
    void noLeak() {
        memory.decoded().clear();
        assertEquals(0, memory.decoded().bytesHeld());
        assertEquals(0, memory.allocator().getAllocatedMemory(), "off-heap memory left after clear()");
        memory.close();
    }

    @Test
    void keepsAPartitionOpenAcrossStepsAndEvictsTheLeastRecentlyUsed() {
        long onePartition = decodedSize();
        budget = onePartition * 2 + onePartition / 2;
        RowSource first = keptRows(7, 0, onePartition);
        assertSame(first, keptRows(7, 0, onePartition), "the second step reuses the decoded partition");
        RowSource second = keptRows(7, 1, onePartition);
        assertNotSame(first, second);
        assertEquals(2 * onePartition, memory.decoded().bytesHeld());

        keptRows(7, 2, onePartition); // over the budget: partition 0 (least recently used) is closed
        assertEquals(2 * onePartition, memory.decoded().bytesHeld());
        assertThrows(RuntimeException.class, () -> first.copyFeatures(0, new float[COLS], 0),
                "an evicted partition's buffers are freed");
        assertSame(second, keptRows(7, 1, onePartition), "partition 1 was used more recently and stays");
    }

    @Test
    void aPartitionInUseIsNeverEvictedAndTheNextOneStreams() {
        long onePartition = decodedSize();
        budget = onePartition + onePartition / 2;
        try (DecodedPartitions.Access inUse = memory.decoded().open(key(3, 0), onePartition, batches())) {
            assertNotNull(inUse.rows());
            try (DecodedPartitions.Access other = memory.decoded().open(key(3, 1), onePartition, batches())) {
                assertNull(other.rows(), "no room next to a partition a task is reading");
                assertAllRowsStreamed(other.stream());
            }
            assertValue(inUse.rows(), 100);
        }
        assertEquals(onePartition, memory.decoded().bytesHeld());
    }

    @Test
    void aPartitionLargerThanTheBudgetIsStreamedOneBatchAtATime() {
        budget = 1024;
        try (DecodedPartitions.Access access = memory.decoded().open(key(9, 0), 1_000_000, batches())) {
            assertNull(access.rows());
            assertAllRowsStreamed(access.stream());
        }
        assertEquals(0, memory.decoded().bytesHeld());
    }

    @Test
    void aPartitionLargerThanExpectedStreamsWhatItHadDecodedAndTheRest() {
        long onePartition = decodedSize();
        budget = onePartition / 2;
        // Spark's size says it fits; decoding shows it does not, after the first batch
        try (DecodedPartitions.Access access = memory.decoded().open(key(9, 1), 10, batches())) {
            assertNull(access.rows());
            assertAllRowsStreamed(access.stream());
        }
        assertEquals(0, memory.decoded().bytesHeld());
    }

    @Test
    void sampledRowsHoldExactlyThePickedRowsOfAStreamedPartition() {
        budget = 0;
        int[] picked = {150, 3, 64, 3, 191};
        try (DecodedPartitions.Access access = memory.decoded().open(key(4, 0), 1, batches())) {
            SampledRows rows = SampledRows.gather(access.stream(), BATCHES * ROWS_PER_BATCH, picked);
            assertEquals(BATCHES * ROWS_PER_BATCH, rows.rowCount());
            assertEquals(COLS, rows.featureCount());
            for (int row : picked) {
                assertValue(rows, row);
                float[] label = new float[1];
                rows.copyTargets(row, label, 0);
                assertEquals(row % 4, label[0], 0f);
            }
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> rows.copyFeatures(4, new float[COLS], 0));
            assertTrue(e.getMessage().contains("row 4 was not gathered"), e.getMessage());
        }
    }

    private void assertAllRowsStreamed(BatchStream stream) {
        long before = memory.allocator().getAllocatedMemory();
        int rows = 0;
        while (stream.hasNext()) {
            try (TrainingBatch batch = stream.next()) {
                float[] x = new float[COLS];
                batch.features().readFloats(3, 1, x, 0);
                assertEquals(Precision.FP16.round(value(rows + 3, 5)), x[5], 0f);
                rows += batch.rows();
                long streamed = memory.allocator().getAllocatedMemory() - before;
                assertTrue(streamed <= 2 * batch.bytesUsed(), "about one batch decoded at a time: " + streamed);
            }
        }
        assertEquals(BATCHES * ROWS_PER_BATCH, rows);
    }

    private long decodedSize() {
        budget = Long.MAX_VALUE;
        keptRows(1, 0, 0);
        long size = memory.decoded().bytesHeld();
        memory.decoded().clear();
        assertTrue(size > 0);
        return size;
    }

    private RowSource keptRows(int rdd, int partition, long expected) {
        try (DecodedPartitions.Access access = memory.decoded().open(key(rdd, partition), expected, batches())) {
            assertNotNull(access.rows(), "partition " + partition + " kept");
            assertValue(access.rows(), 70);
            return access.rows();
        }
    }

    private static String key(int rdd, int partition) {
        return "app/rdd-" + rdd + "/" + partition;
    }

    private static void assertValue(RowSource rows, int row) {
        float[] x = new float[COLS];
        rows.copyFeatures(row, x, 0);
        assertEquals(Precision.FP16.round(value(row, 5)), x[5], 0f);
    }

    /** BATCHES cached batches of ROWS_PER_BATCH rows; row r has label r % 4 and features value(r, c). */
    private static Iterator<CachedBatch> batches() {
        List<CachedBatch> out = new ArrayList<>();
        try (BufferAllocator allocator = new RootAllocator()) {
            for (int b = 0; b < BATCHES; b++) {
                float[] features = new float[ROWS_PER_BATCH * COLS];
                float[] labels = new float[ROWS_PER_BATCH];
                for (int r = 0; r < ROWS_PER_BATCH; r++) {
                    int row = b * ROWS_PER_BATCH + r;
                    labels[r] = row % 4;
                    for (int c = 0; c < COLS; c++) {
                        features[r * COLS + c] = value(row, c);
                    }
                }
                try (TrainingBatch batch = TrainingBatch.fromRows(allocator, Precision.FP16, ROWS_PER_BATCH, COLS, features, 1, labels)) {
                    out.add(new CachedBatch(batch.toIpcBytes(), ROWS_PER_BATCH));
                }
            }
        }
        return out.iterator();
    }

    private static float value(int row, int col) {
        return (row * 31 + col) / 97f;
    }
}
