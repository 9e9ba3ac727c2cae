package io.sparkamp.core.loss;

/**
 * {@code mse}: one real target per output. The per-row loss is HALF the sum of squared errors over the
 * outputs, {@code 0.5 * sum_j (y_j - t_j)^2}, so the gradient is simply {@code y - t}; the trainer's
 * division by the batch size makes it a mean over rows.
 */
public final class MeanSquaredError extends FusedLoss {
    public static final String NAME = "mse";

    public MeanSquaredError() {
        super(NAME);
    }

    @Override
    public LabelRules labelRules(int outputSize) {
        return LabelRules.finiteLabels();
    }

    @Override
    public boolean classifies() {
        return false;
    }

    @Override
    public boolean predictsValues() {
        return true;
    }

    @Override
    public int targetWidth(int outputSize) {
        return outputSize;
    }

    @Override
    void checkTargetValues(float[] targets, int rows, int outputSize) {
        LossChecks.requireFinite(NAME, targets, rows, outputSize);
    }

    @Override
    double compute(float[] output, float[] targets, int rows, int outputSize, float gradFactor, float[] gradOutput) {
        double total = 0.0;
        for (int i = 0; i < rows * outputSize; i++) {
            double error = (double) output[i] - targets[i];
            total += 0.5 * error * error;
            if (gradOutput != null) {
                gradOutput[i] = (float) (gradFactor * error);
            }
        }
        return total;
    }
}
