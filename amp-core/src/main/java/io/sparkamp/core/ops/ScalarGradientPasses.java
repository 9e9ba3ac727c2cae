package io.sparkamp.core.ops;

/** {@link GradientPasses} as plain loops: the reference the vector implementation must match bit for bit. */
final class ScalarGradientPasses implements GradientPasses {
    static final ScalarGradientPasses INSTANCE = new ScalarGradientPasses();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public double scaleAndSumSquares(float[] values, double factor) {
        double[] sums = new double[8];
        scaleAndSumSquares(values, 0, values.length, factor, sums);
        return Reductions.partialSumsTotal(sums);
    }

    /**
     * {@link #scaleAndSumSquares(float[], double)} on {@code values[from..to)}, adding the square of the value at
     * {@code from + k} into {@code sums[k % 8]} ({@link Reductions#sumOfSquares}'s eight partial sums; the vector
     * loop's tail too).
     */
    static void scaleAndSumSquares(float[] values, int from, int to, double factor, double[] sums) {
        for (int i = from, lane = 0; i < to; i++, lane = (lane + 1) & 7) {
            float scaled = (float) (values[i] * factor);
            values[i] = scaled;
            double wide = scaled;
            sums[lane] += wide * wide;
        }
    }

    @Override
    public double sumOfSquares(float[] values, int off, int count) {
        return Reductions.sumOfSquares(values, off, count);
    }
}
