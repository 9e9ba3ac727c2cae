package io.sparkamp.spark.executor;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.TrainingBatch;
import io.sparkamp.spark.data.CachedBatch;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Partitions kept decoded across steps: reused while they fit, least recently used evicted when they do
 * not, served and freed per task when one alone is too big, and all off-heap memory returned by clear().
 */
class DecodedPartitionsTest {
    private static final int ROWS = 64;
    private static final int COLS = 32;
    private long baseline;

    @BeforeEach
    void emptyCache() {
        DecodedPartitions.clear();
        baseline = ExecutorMemory.root().getAllocatedMemory();
    }

    @AfterEach
    void noLeak() {
        System.clearProperty(DecodedPartitions.CAPACITY_KEY);
        DecodedPartitions.clear();
        assertEquals(0, DecodedPartitions.bytesHeld());
        assertEquals(baseline, ExecutorMemory.root().getAllocatedMemory(), "off-heap memory left after clear()");
    }

    @Test
    void keepsAPartitionOpenAcrossStepsAndEvictsTheLeastRecentlyUsed() {
        long onePartition = openedSize();
        System.setProperty(DecodedPartitions.CAPACITY_KEY, Long.toString(onePartition * 2 + onePartition / 2));
        PartitionRows first = rowsOf(7, 0);
        assertSame(first, rowsOf(7, 0), "the second step reuses the decoded partition");
        PartitionRows second = rowsOf(7, 1);
        assertNotSame(first, second);
        assertEquals(2 * onePartition, DecodedPartitions.bytesHeld());

        rowsOf(7, 2); // over the bound: partition 0 (least recently used) is closed
        assertEquals(2 * onePartition, DecodedPartitions.bytesHeld());
        assertThrows(RuntimeException.class, () -> first.source().copyFeatures(0, new float[COLS], 0),
                "an evicted partition's buffers are freed");
        assertSame(second, rowsOf(7, 1), "partition 1 was used more recently and stays");
    }

    @Test
    void aPartitionLargerThanTheBoundIsDecodedForTheTaskOnly() {
        System.setProperty(DecodedPartitions.CAPACITY_KEY, "1k");
        float[] seen = new float[COLS];
        DecodedPartitions.withRows(9, 0, batches(), rows -> rows.source().copyFeatures(3, seen, 0));
        assertEquals(0, DecodedPartitions.bytesHeld());
        assertEquals(baseline, ExecutorMemory.root().getAllocatedMemory(), "freed right after the task");
        assertEquals(Precision.FP16.round(value(3, 5)), seen[5], 0f);
    }

    private long openedSize() {
        DecodedPartitions.clear();
        PartitionRows rows = rowsOf(1, 0);
        long size = rows.bytesUsed();
        DecodedPartitions.clear();
        assertTrue(size > 0);
        return size;
    }

    private static PartitionRows rowsOf(int rdd, int partition) {
        PartitionRows[] seen = new PartitionRows[1];
        DecodedPartitions.withRows(rdd, partition, batches(), rows -> seen[0] = rows);
        return seen[0];
    }

    private static Iterator<CachedBatch> batches() {
        float[] features = new float[ROWS * COLS];
        float[] labels = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            labels[r] = r % 4;
            for (int c = 0; c < COLS; c++) {
                features[r * COLS + c] = value(r, c);
            }
        }
        List<CachedBatch> out = new ArrayList<>();
        try (BufferAllocator allocator = new RootAllocator();
             TrainingBatch batch = TrainingBatch.fromRows(allocator, Precision.FP16, ROWS, COLS, features, 1, labels)) {
            out.add(new CachedBatch(batch.toIpcBytes(), ROWS));
        }
        return out.iterator();
    }

    private static float value(int row, int col) {
        return (row * 31 + col) / 97f;
    }
}
