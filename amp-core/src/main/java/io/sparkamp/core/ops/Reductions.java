package io.sparkamp.core.ops;

/**
 * Reductions over FP32 data, accumulated in double (autocast: reductions never run in 16 bits) and in
 * a fixed left-to-right order, so the same input always gives the same bits.
 */
public final class Reductions {
    private Reductions() {
    }

    /** Sum of {@code values[off..off+count)}. */
    public static double sum(float[] values, int off, int count) {
        double total = 0.0;
        for (int i = off; i < off + count; i++) {
            total += values[i];
        }
        return total;
    }

    /** Sum of squares of {@code values[off..off+count)}; infinite or NaN when any value is. */
    public static double sumOfSquares(float[] values, int off, int count) {
        double total = 0.0;
        for (int i = off; i < off + count; i++) {
            double v = values[i];
            total += v * v;
        }
        return total;
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
