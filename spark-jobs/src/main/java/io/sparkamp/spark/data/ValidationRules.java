package io.sparkamp.spark.data;

import io.sparkamp.core.loss.LabelRules;
import io.sparkamp.core.numeric.Precision;

/**
 * What the data must satisfy: the loss's label rules ({@link LabelRules}) and the precision the features must fit.
 *
 * @param classes        number of classes K for a classification loss (labels must be integers in [0, K)), 0 otherwise
 * @param binary         whether the loss is binary cross-entropy (labels must lie in [0, 1])
 * @param inputPrecision the precision feature values are read in (see {@link InputStorage#checkedPrecision}):
 *                       finite values that would round to infinity there are refused, non-zero values that
 *                       would round to zero are counted
 */
public record ValidationRules(int classes, boolean binary, Precision inputPrecision) {

    public ValidationRules {
        if (classes < 0) {
            throw new IllegalArgumentException("classes must be >= 0 (0 = not a classification loss), got " + classes);
        }
        if (classes > 0 && binary) {
            throw new IllegalArgumentException("labels are either class indices (classes = " + classes
                    + ") or binary cross-entropy targets, not both");
        }
        if (inputPrecision == null) {
            throw new IllegalArgumentException("inputPrecision is required");
        }
    }

    /** The loss's label rules, features checked as FP32. */
    public static ValidationRules of(LabelRules labels) {
        return new ValidationRules(labels.classes(), labels.binary(), Precision.FP32);
    }

    /** Labels are class indices 0..classes-1 (softmax cross-entropy); features checked as FP32. */
    public static ValidationRules classification(int classes) {
        if (classes < 2) {
            throw new IllegalArgumentException("a classification loss needs at least 2 classes, got " + classes);
        }
        return new ValidationRules(classes, false, Precision.FP32);
    }

    /** Labels are probabilities in [0, 1] (binary cross-entropy); features checked as FP32. */
    public static ValidationRules binaryCrossEntropy() {
        return new ValidationRules(0, true, Precision.FP32);
    }

    /** Labels are any finite number (regression losses); features checked as FP32. */
    public static ValidationRules finiteLabels() {
        return new ValidationRules(0, false, Precision.FP32);
    }

    /** These rules with features checked against {@code precision}. */
    public ValidationRules withInputPrecision(Precision precision) {
        return new ValidationRules(classes, binary, precision);
    }

    /** The smallest positive float that {@link #inputPrecision} rounds to infinity (infinity for FP32). */
    public float overflowThreshold() {
        if (!inputPrecision.isLow()) {
            return Float.POSITIVE_INFINITY;
        }
        // Positive floats order like their bit patterns: search for the first one that rounds to infinity.
        int lo = Float.floatToRawIntBits(inputPrecision.maxValue());
        int hi = Float.floatToRawIntBits(Float.MAX_VALUE);
        while (lo < hi) {
            int mid = lo + (hi - lo) / 2;
            if (Float.isInfinite(inputPrecision.round(Float.intBitsToFloat(mid)))) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return Float.intBitsToFloat(lo);
    }

    /** The largest positive float that {@link #inputPrecision} rounds to zero (0 for FP32). */
    public float flushThreshold() {
        if (!inputPrecision.isLow()) {
            return 0f;
        }
        int lo = 0;
        int hi = Float.floatToRawIntBits(1f);
        while (lo < hi) { // last bit pattern that rounds to zero
            int mid = lo + (hi - lo + 1) / 2;
            if (inputPrecision.round(Float.intBitsToFloat(mid)) == 0f) {
                lo = mid;
            } else {
                hi = mid - 1;
            }
        }
        return Float.intBitsToFloat(lo);
    }
}
