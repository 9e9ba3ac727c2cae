package io.sparkamp.core.loss;

/**
 * A loss over a batch, computed in FP32 whatever the run's precision (autocast: losses are FP32).
 * Targets are floats: a class index for softmax cross-entropy, 0/1 values for binary cross-entropy,
 * real values for MSE; {@link #targetWidth} says how many per row.
 */
public interface Loss {
    /** The name users type: softmax_ce, bce_logits, mse. */
    String name();

    /** Target values per row for a model with {@code outputSize} outputs. */
    int targetWidth(int outputSize);

    /** Throws an exception naming the row and value when a target is invalid for this loss. */
    void validateTargets(float[] targets, int rows, int outputSize);

    /** Sum over rows of the per-row loss (no gradient). */
    double sum(float[] output, float[] targets, int rows, int outputSize);

    /**
     * Sum over rows of the per-row loss, and into {@code gradOutput} the gradient of
     * {@code gradFactor * sum} with respect to {@code output} (FP32). The trainer passes
     * {@code loss scale / global batch size} as the factor, so the gradients are those of the scaled mean.
     */
    double sumAndGradient(float[] output, float[] targets, int rows, int outputSize, float gradFactor, float[] gradOutput);

    /** What the labels of a dataset must satisfy for this loss and a model of {@code outputSize} outputs. */
    LabelRules labelRules(int outputSize);

    /**
     * Whether the model predicts a class (accuracy is meaningful) rather than a value (regression
     * metrics are). Single-label classification counts right answers with {@link #countCorrect}.
     */
    boolean classifies();

    /**
     * Whether the model's outputs are predicted values compared with the targets one to one (regression:
     * RMSE and R² are meaningful). Such losses have one target per output.
     */
    default boolean predictsValues() {
        return false;
    }

    /** Rows whose prediction is right (arg-max equals the class target); 0 for losses that do not classify. */
    default long countCorrect(float[] output, float[] targets, int rows, int outputSize) {
        return 0;
    }
}
