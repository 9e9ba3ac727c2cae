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
        boolean allFinite = true;
        for (int i = 0; i < values.length; i++) {
            float scaled = (float) (values[i] * factor);
            values[i] = scaled;
            allFinite &= Float.isFinite(scaled);
        }
        return allFinite;
    }

    @Override
    public boolean allFinite(float[] values, int off, int count) {
        return Reductions.allFinite(values, off, count);
    }

    @Override
    public double sumOfSquares(float[] values, int off, int count) {
        return Reductions.sumOfSquares(values, off, count);
    }
}
