package io.sparkamp.core.ops;

/**
 * Reductions over FP32 data, accumulated in double (autocast: reductions never run in 16 bits) and in
 * a fixed order, so the same input always gives the same bits.
 */
public final class Reductions {
    private Reductions() {
    }

    /**
     * Sum of {@code values[off..off+count)}, in the eight partial sums of {@link #sumOfSquares} (element i into sum
     * (i - off) mod 8, added in its fixed tree): eight independent chains of additions, the same bits on every CPU.
     */
    public static double sum(float[] values, int off, int count) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        double s4 = 0.0;
        double s5 = 0.0;
        double s6 = 0.0;
        double s7 = 0.0;
        int end = off + count;
        int i = off;
        for (; i + 8 <= end; i += 8) {
            s0 += values[i];
            s1 += values[i + 1];
            s2 += values[i + 2];
            s3 += values[i + 3];
            s4 += values[i + 4];
            s5 += values[i + 5];
            s6 += values[i + 6];
            s7 += values[i + 7];
        }
        double[] sums = {s0, s1, s2, s3, s4, s5, s6, s7};
        for (int lane = 0; i < end; i++, lane++) {
            sums[lane] += values[i];
        }
        return partialSumsTotal(sums);
    }

    /**
     * Sum of squares of {@code values[off..off+count)}; infinite or NaN when any value is. Eight partial sums
     * (element i goes to sum (i - off) mod 8), added together in a fixed tree at the end: the same input gives
     * the same bits, and the eight independent additions run about 2x faster than one chain (the gradient norm
     * of every training step reads half a million values).
     */
    public static double sumOfSquares(float[] values, int off, int count) {
        return sumOfSquaredDeviations(values, off, count, 0.0); // v - 0.0 is v exactly, -0.0 included
    }

    /**
     * Sum of {@code (values[i] - mean)²} over {@code values[off..off+count)} in double (a layer norm's variance
     * about its mean), in {@link #sumOfSquares}'s eight partial sums and order.
     */
    public static double sumOfSquaredDeviations(float[] values, int off, int count, double mean) {
        double s0 = 0.0;
        double s1 = 0.0;
        double s2 = 0.0;
        double s3 = 0.0;
        double s4 = 0.0;
        double s5 = 0.0;
        double s6 = 0.0;
        double s7 = 0.0;
        int end = off + count;
        int i = off;
        for (; i + 8 <= end; i += 8) {
            double v0 = values[i] - mean;
            double v1 = values[i + 1] - mean;
            double v2 = values[i + 2] - mean;
            double v3 = values[i + 3] - mean;
            double v4 = values[i + 4] - mean;
            double v5 = values[i + 5] - mean;
            double v6 = values[i + 6] - mean;
            double v7 = values[i + 7] - mean;
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
            s4 += v4 * v4;
            s5 += v5 * v5;
            s6 += v6 * v6;
            s7 += v7 * v7;
        }
        double[] sums = {s0, s1, s2, s3, s4, s5, s6, s7};
        for (int lane = 0; i < end; i++, lane++) {
            double v = values[i] - mean;
            sums[lane] += v * v;
        }
        return partialSumsTotal(sums);
    }

    /** The eight partial sums of {@link #sumOfSquares} added in its fixed tree. */
    static double partialSumsTotal(double[] sums) {
        return partialSumsTotal(sums, 0);
    }

    /** {@link #partialSumsTotal(double[])} of the eight sums from {@code at}. */
    static double partialSumsTotal(double[] sums, int at) {
        return ((sums[at] + sums[at + 1]) + (sums[at + 2] + sums[at + 3]))
                + ((sums[at + 4] + sums[at + 5]) + (sums[at + 6] + sums[at + 7]));
    }

    /** Euclidean norm of the whole array. */
    public static double l2Norm(float[] values) {
        return Math.sqrt(sumOfSquares(values, 0, values.length));
    }

    /** True when every value of {@code values[off..off+count)} is finite. */
    public static boolean allFinite(float[] values, int off, int count) {
        for (int i = off; i < off + count; i++) {
            if (!Float.isFinite(values[i])) {
                return false;
            }
        }
        return true;
    }

    /** Index of the first non-finite value, or -1. */
    public static int firstNonFinite(float[] values, int off, int count) {
        for (int i = off; i < off + count; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    /** Index of the largest value in row {@code row} of a row-major matrix with {@code cols} columns (first wins ties). */
    public static int argmaxRow(float[] values, int row, int cols) {
        int base = row * cols;
        int best = 0;
        for (int j = 1; j < cols; j++) {
            if (values[base + j] > values[base + best]) {
                best = j;
            }
        }
        return best;
    }
    /**
     * Adds the column sums of the row-major {@code rows x cols} matrix {@code values} into
     * {@code dst[dstOff..dstOff+cols)}; each sum is accumulated in double, rows in order.
     */
    public static void addColumnSums(float[] values, int rows, int cols, float[] dst, int dstOff) {
        double[] sums = new double[cols];
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int j = 0; j < cols; j++) {
                sums[j] += values[base + j];
            }
        }
        for (int j = 0; j < cols; j++) {
            dst[dstOff + j] = (float) (dst[dstOff + j] + sums[j]);
        }
    }
}
