package io.sparkamp.core.train;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The batch plan every run samples by: how a global batch is split over partitions (largest remainder),
 * and which rows a partition trains on at each step (a pure function of seed, partition and step).
 */
class BatchPlanTest {
    @Test
    void sharesSplitTheGlobalBatchByLargestRemainder() {
        // exact shares 12.8, 32, 0, 83.2: floors 12 + 32 + 0 + 83 = 127, the spare row goes to the largest remainder (0.8)
        assertArrayEquals(new int[]{13, 32, 0, 83}, BatchPlan.shares(128, new long[]{100, 250, 0, 650}));
        // exact 42.67, 42.67, 42.67: two spare rows, ties go to the lowest index
        assertArrayEquals(new int[]{43, 43, 42}, BatchPlan.shares(128, new long[]{7, 7, 7}));

        SplittableRandom random = new SplittableRandom(3);
        for (int trial = 0; trial < 500; trial++) {
            int parts = 1 + random.nextInt(9);
            long[] rows = new long[parts];
            long total = 0;
            for (int p = 0; p < parts; p++) {
                rows[p] = random.nextInt(4) == 0 ? 0 : random.nextInt(1, 5000);
                total += rows[p];
            }
            if (total == 0) {
                continue;
            }
            int batch = random.nextInt(1, 2049);
            int[] shares = BatchPlan.shares(batch, rows);
            assertEquals(batch, Arrays.stream(shares).sum(), "shares sum to the global batch");
            double minRemainderRoundedUp = Double.POSITIVE_INFINITY;
            double maxRemainderRoundedDown = Double.NEGATIVE_INFINITY;
            for (int p = 0; p < parts; p++) {
                double exact = (double) batch * rows[p] / total;
                double floor = Math.floor(exact);
                if (rows[p] == 0) {
                    assertEquals(0, shares[p], "an empty partition gets no rows");
                } else if (shares[p] == floor + 1) {
                    minRemainderRoundedUp = Math.min(minRemainderRoundedUp, exact - floor);
                } else {
                    assertEquals(floor, shares[p], "share of partition " + p + " vs exact " + exact);
                    maxRemainderRoundedDown = Math.max(maxRemainderRoundedDown, exact - floor);
                }
            }
            // largest remainder: no partition left at its floor has a larger remainder than one that got a spare row
            assertTrue(maxRemainderRoundedDown <= minRemainderRoundedUp + 1e-12, "largest remainder violated: "
                    + Arrays.toString(rows) + " batch " + batch + " -> " + Arrays.toString(shares));
        }
    }

    /** A worker's sampler keeps the epoch's permutation between steps: the same rows as computing each step afresh. */
    @Test
    void aSamplerKeptAcrossStepsPicksTheRowsOfAFreshOne() {
        RowSampler kept = new RowSampler();
        int[][] cases = {{96, 32}, {100, 33}, {7, 10}, {1, 1}, {50, 0}}; // rows, share: whole epochs, ragged, share > rows
        for (int[] c : cases) {
            for (long step = 0; step < 40; step++) {
                for (int partition = 0; partition < 2; partition++) { // another partition in between, as a reused worker sees
                    assertArrayEquals(new RowSampler().rowsFor(11, partition, step, c[1], c[0]),
                            kept.rowsFor(11, partition, step, c[1], c[0]), c[0] + " rows, share " + c[1] + ", step " + step);
                }
            }
            assertArrayEquals(new RowSampler().rowsFor(12, 0, 5, c[1], c[0]), kept.rowsFor(12, 0, 5, c[1], c[0]), "another seed");
        }
    }

    @Test
    void aPartitionVisitsEveryRowOncePerEpochWhenTheShareDividesItsRows() {
        int rows = 96;
        int share = 32;
        int[] previousEpoch = null;
        for (int epoch = 0; epoch < 3; epoch++) {
            int[] visited = new int[0];
            for (int s = 0; s < rows / share; s++) {
                visited = concat(visited, BatchPlan.rowsFor(7, 2, (long) epoch * (rows / share) + s, share, rows));
            }
            assertIsPermutation(visited, rows, "epoch " + epoch);
            if (previousEpoch != null) {
                assertFalse(Arrays.equals(previousEpoch, visited), "a new order every epoch");
            }
            previousEpoch = visited;
        }
    }

    @Test
    void aShareThatDoesNotDivideTheRowsWrapsIntoTheNextEpochsPermutation() {
        int rows = 10;
        int share = 4;
        int[] positions = new int[0];
        for (int step = 0; step < 5; step++) { // 20 positions = exactly two epochs; step 2 straddles the boundary
            positions = concat(positions, BatchPlan.rowsFor(7, 0, step, share, rows));
        }
        assertIsPermutation(Arrays.copyOfRange(positions, 0, rows), rows, "epoch 0");
        assertIsPermutation(Arrays.copyOfRange(positions, rows, 2 * rows), rows, "epoch 1");
        // a share larger than the partition walks several epochs in one step
        int[] big = BatchPlan.rowsFor(7, 0, 0, 25, rows);
        assertIsPermutation(Arrays.copyOfRange(big, 0, rows), rows, "big share, epoch 0");
        assertIsPermutation(Arrays.copyOfRange(big, rows, 2 * rows), rows, "big share, epoch 1");
        assertArrayEquals(Arrays.copyOfRange(positions, 0, 20), Arrays.copyOfRange(big, 0, 20),
                "the same walk whatever the share");
    }

    @Test
    void rowsForIsAPureFunctionOfItsArguments() {
        Map<String, int[]> first = new HashMap<>();
        for (long step = 0; step < 20; step++) {
            for (int partition = 0; partition < 3; partition++) {
                first.put(step + "/" + partition, BatchPlan.rowsFor(11, partition, step, 13, 50));
            }
        }
        // asked again in reverse order, with other calls in between: the same answers
        for (long step = 19; step >= 0; step--) {
            for (int partition = 2; partition >= 0; partition--) {
                BatchPlan.rowsFor(12, partition, step + 100, 7, 33);
                assertArrayEquals(first.get(step + "/" + partition), BatchPlan.rowsFor(11, partition, step, 13, 50));
            }
        }
        assertFalse(Arrays.equals(BatchPlan.rowsFor(11, 0, 0, 13, 50), BatchPlan.rowsFor(11, 1, 0, 13, 50)),
                "partitions walk their own orders");
        assertFalse(Arrays.equals(BatchPlan.rowsFor(11, 0, 0, 13, 50), BatchPlan.rowsFor(12, 0, 0, 13, 50)),
                "seeds give other orders");
    }

    // ---------------------------------------------------------------- helpers

    private static void assertIsPermutation(int[] values, int n, String what) {
        assertEquals(n, values.length, what);
        Set<Integer> seen = new HashSet<>();
        for (int v : values) {
            assertTrue(v >= 0 && v < n, what + ": row " + v + " out of range");
            assertTrue(seen.add(v), what + ": row " + v + " twice");
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
