package io.sparkamp.core.train;

import java.util.SplittableRandom;

/**
 * Which rows each partition trains on at each step, as a pure function of (seed, step, partition):
 * the global batch is split over partitions in proportion to their rows (largest remainder), and each
 * partition walks through a seeded permutation of its rows, a new permutation every epoch. A retried
 * task, a resumed run and a local run with the same partitioning therefore see the same rows.
 */
public final class BatchPlan {
    private BatchPlan() {
    }

    /** Rows per partition of a global batch of {@code globalBatch} (sums to globalBatch; empty partitions get 0). */
    public static int[] shares(int globalBatch, long[] partitionRows) {
        long total = 0;
        for (long rows : partitionRows) {
            total += rows;
        }
        if (total == 0) {
            throw new IllegalArgumentException("the training data has no rows");
        }
        int[] shares = new int[partitionRows.length];
        double[] remainders = new double[partitionRows.length];
        int assigned = 0;
        for (int p = 0; p < partitionRows.length; p++) {
            double exact = (double) globalBatch * partitionRows[p] / total;
            shares[p] = (int) Math.floor(exact);
            remainders[p] = exact - shares[p];
            assigned += shares[p];
        }
        while (assigned < globalBatch) { // largest remainder first, lowest index on ties
            int best = -1;
            for (int p = 0; p < partitionRows.length; p++) {
                if (partitionRows[p] > 0 && (best < 0 || remainders[p] > remainders[best])) {
                    best = p;
                }
            }
            shares[best]++;
            remainders[best] = -1;
            assigned++;
        }
        return shares;
    }

    /**
     * The row indices partition {@code partition} (of {@code rows} rows) uses at {@code step} for a share of
     * {@code share}. A worker that samples step after step keeps a {@link RowSampler}, which makes each
     * epoch's permutation once.
     */
    public static int[] rowsFor(long seed, int partition, long step, int share, int rows) {
        return new RowSampler().rowsFor(seed, partition, step, share, rows);
    }

    /** Epochs (passes over the data) completed after {@code steps} steps at a global batch of {@code globalBatch}. */
    public static double epochs(long steps, int globalBatch, long totalRows) {
        return (double) steps * globalBatch / totalRows;
    }

    /** Fills {@code perm} with the seeded permutation of its indices that partition {@code partition} walks in {@code epoch}. */
    static void fillPermutation(int[] perm, long seed, int partition, long epoch) {
        SplittableRandom random = new SplittableRandom(Seeds.mix(seed, 0x5EEDL, partition, epoch));
        int rows = perm.length;
        for (int i = 0; i < rows; i++) {
            perm[i] = i;
        }
        for (int i = rows - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = perm[i];
            perm[i] = perm[j];
            perm[j] = tmp;
        }
    }
}
