package io.sparkamp.core.loss;

/**
 * A loss whose value and gradient come from one pass ({@link #compute}): {@link #sum} runs it without a
 * gradient buffer, {@link #sumAndGradient} with one, after checking the buffer's size. The shapes of
 * outputs and targets are checked here, the target values by each loss ({@link #checkTargetValues}).
 */
abstract class FusedLoss implements Loss {
    private final String name;

    FusedLoss(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final void validateTargets(float[] targets, int rows, int outputSize) {
        LossChecks.requireShapes(name, null, targets, rows, outputSize, targetWidth(outputSize));
        checkTargetValues(targets, rows, outputSize);
    }

    @Override
    public final double sum(float[] output, float[] targets, int rows, int outputSize) {
        checkInputs(output, targets, rows, outputSize);
        return compute(output, targets, rows, outputSize, 0f, null);
    }

    @Override
    public final double sumAndGradient(float[] output, float[] targets, int rows, int outputSize, float gradFactor,
                                       float[] gradOutput) {
        LossChecks.requireGradient(name(), gradOutput, rows, outputSize);
        checkInputs(output, targets, rows, outputSize);
        return compute(output, targets, rows, outputSize, gradFactor, gradOutput);
    }

    private void checkInputs(float[] output, float[] targets, int rows, int outputSize) {
        LossChecks.requireShapes(name, output, targets, rows, outputSize, targetWidth(outputSize));
        validateTargets(targets, rows, outputSize);
    }

    /** Throws an exception naming the row (and column) and value when a target is invalid; the shape is checked. */
    abstract void checkTargetValues(float[] targets, int rows, int outputSize);

    /** On checked inputs: the loss sum, and the gradient times {@code gradFactor} into {@code gradOutput} when it is not null. */
    abstract double compute(float[] output, float[] targets, int rows, int outputSize, float gradFactor, float[] gradOutput);
}
