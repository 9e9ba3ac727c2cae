package io.sparkamp.core.loss;

/**
 * What a loss expects of the labels, checked on the data before training (see {@link Loss#labelRules}).
 *
 * @param classes number of classes K for a classification loss (labels must be integers in [0, K)), 0 otherwise
 * @param binary  whether the loss is binary cross-entropy (labels must lie in [0, 1])
 */
public record LabelRules(int classes, boolean binary) {

    public LabelRules {
        if (classes < 0) {
            throw new IllegalArgumentException("classes must be >= 0 (0 = not a classification loss), got " + classes);
        }
        if (classes > 0 && binary) {
            throw new IllegalArgumentException("labels are either class indices (classes = " + classes
                    + ") or binary cross-entropy targets, not both");
        }
    }

    /** Labels are class indices 0..classes-1 (softmax cross-entropy). */
    public static LabelRules classification(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classification loss needs at least 2 classes, got " + classes);
        }
        return new LabelRules(classes, false);
    }

    /** Labels are probabilities in [0, 1] (binary cross-entropy). */
    public static LabelRules binaryCrossEntropy() {
        return new LabelRules(0, true);
    }

    /** Labels are any finite number (regression losses). */
    public static LabelRules finiteLabels() {
        return new LabelRules(0, false);
    }
}
