package io.sparkamp.core.loss;

import io.sparkamp.core.ops.SmoothFunction;

/**
 * {@code bce_logits}: sigmoid then binary cross-entropy, one target in [0, 1] per output. Per value
 * {@code max(x, 0) - x * t + log(1 + exp(-|x|))}, which never overflows; the per-row loss is the sum
 * over the outputs. Gradient {@code sigmoid(x) - t}.
 */
public final class BinaryCrossEntropyWithLogits extends FusedLoss {
    public static final String NAME = "bce_logits";

    public BinaryCrossEntropyWithLogits() {
        super(NAME);
    }

    @Override
    public LabelRules labelRules(int outputSize) {
        return LabelRules.binaryCrossEntropy();
    }

    /** Multi-label probabilities: no single right answer to count. */
    @Override
    public boolean classifies() {
        return false;
    }

    @Override
    public int targetWidth(int outputSize) {
        return outputSize;
    }

    @Override
    void checkTargetValues(float[] targets, int rows, int outputSize) {
        for (int i = 0; i < rows * outputSize; i++) {
            float t = targets[i];
            if (!(t >= 0f && t <= 1f)) {
                throw new IllegalArgumentException(NAME + ": target of row " + (i / outputSize) + " (column "
                        + (i % outputSize) + ") is " + t + ", expected a value in [0, 1]");
            }
        }
    }

    @Override
    double compute(float[] output, float[] targets, int rows, int outputSize, float gradFactor, float[] gradOutput) {
        double total = 0.0;
        for (int i = 0; i < rows * outputSize; i++) {
            double x = output[i];
            double t = targets[i];
            total += Math.max(x, 0.0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
            if (gradOutput != null) {
                gradOutput[i] = (float) (gradFactor * (SmoothFunction.sigmoid(x) - t));
            }
        }
        return total;
    }
}
