package io.sparkamp.core.train;

/**
 * {@link BatchPlan#rowsFor} for one worker, step after step: it keeps the permutation of the epoch it
 * is in, so a step costs its share of rows instead of a new permutation of the whole partition (made once
 * per epoch now, into the same array). The same rows as {@code BatchPlan.rowsFor}. Not thread-safe: one
 * per worker.
 */
public final class RowSampler {
    private int[] permutation;
    private long seed;
    private int partition;
    private long epoch;
    private int rows;

    /** The row indices partition {@code partition} (of {@code rows} rows) uses at {@code step} for a share of {@code share}. */
    public int[] rowsFor(long seed, int partition, long step, int share, int rows) {
        int[] picked = new int[share];
        if (share == 0) {
            return picked;
        }
        long position = step * share;
        long epoch = position / rows;
        int index = (int) (position % rows);
        int[] order = permutation(seed, partition, epoch, rows);
        for (int i = 0; i < share; i++) {
            picked[i] = order[index];
            index++;
            if (index == rows && i + 1 < share) {
                epoch++;
                index = 0;
                order = permutation(seed, partition, epoch, rows);
            }
        }
        return picked;
    }

    private int[] permutation(long seed, int partition, long epoch, int rows) {
        boolean same = permutation != null && seed == this.seed && partition == this.partition && epoch == this.epoch
                && rows == this.rows;
        if (!same) {
            if (permutation == null || permutation.length != rows) {
                permutation = new int[rows];
            }
            BatchPlan.fillPermutation(permutation, seed, partition, epoch);
            this.seed = seed;
            this.partition = partition;
            this.epoch = epoch;
            this.rows = rows;
        }
        return permutation;
    }
}
