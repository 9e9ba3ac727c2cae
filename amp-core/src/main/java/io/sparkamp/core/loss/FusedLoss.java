package io.sparkamp.core.loss;

/**
 * A loss whose value and gradient come from one pass ({@link #compute}): {@link #sum} runs it without a
 * gradient buffer, {@link #sumAndGradient} with one, after checking the buffer's size.
 */
abstract class FusedLoss implements Loss {
    @Override
    public final double sum(float[] output, float[] targets, int rows, int outputSize) {
        return compute(output, targets, rows, outputSize, 0f, null);
    }

    @Override
    public final double sumAndGradient(float[] output, float[] targets, int rows, int outputSize, float gradFactor,
                                       float[] gradOutput) {
        LossChecks.requireGradient(name(), gradOutput, rows, outputSize);
        return compute(output, targets, rows, outputSize, gradFactor, gradOutput);
    }

    /** The loss sum, and the gradient times {@code gradFactor} into {@code gradOutput} when it is not null. */
    abstract double compute(float[] output, float[] targets, int rows, int outputSize, float gradFactor, float[] gradOutput);
}
