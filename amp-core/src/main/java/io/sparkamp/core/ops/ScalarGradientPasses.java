package io.sparkamp.core.ops;

/** {@link GradientPasses} as plain loops: the reference the vector implementation must match bit for bit. */
final class ScalarGradientPasses implements GradientPasses {
    static final ScalarGradientPasses INSTANCE = new ScalarGradientPasses();

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public boolean scaleAndCheck(float[] values, double factor) {
        return scaleAndCheck(values, 0, values.length, factor);
    }

    /** {@link #scaleAndCheck(float[], double)} on {@code values[from..to)} (the vector loop's tail too). */
    static boolean scaleAndCheck(float[] values, int from, int to, double factor) {
        boolean allFinite = true;
        for (int i = from; i < to; i++) {
            float scaled = (float) (values[i] * factor);
            values[i] = scaled;
            allFinite &= Float.isFinite(scaled);
        }
        return allFinite;
    }

    @Override
    public double sumOfSquares(float[] values, int off, int count) {
        return Reductions.sumOfSquares(values, off, count);
    }
}
