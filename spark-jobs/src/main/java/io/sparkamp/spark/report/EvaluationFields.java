package io.sparkamp.spark.report;

import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.train.Evaluation;

import java.util.Map;

/**
 * The figures of an evaluation that mean something for the run's loss, as JSON fields: loss always,
 * accuracy for classifying losses, RMSE and R² for value-predicting ones (regression reports no accuracy).
 * Shared by train, evaluate and bench so they name the same figures the same way.
 */
public final class EvaluationFields {
    private EvaluationFields() {
    }

    /** Adds {@code prefix + "loss"} and the loss's own figures (e.g. "test_accuracy" or "test_rmse", "test_r2"). */
    public static void put(Map<String, Object> into, String prefix, Evaluation eval, Loss loss) {
        into.put(prefix + "loss", eval.meanLoss());
        if (loss.classifies()) {
            into.put(prefix + "accuracy", eval.accuracy());
        }
        if (eval.hasRegressionMetrics()) {
            into.put(prefix + "rmse", eval.rmse());
            into.put(prefix + "r2", eval.r2());
        }
    }

    /** The same figures for a progress line, e.g. "test loss 0.4123  test accuracy 0.8712". */
    public static String line(String label, Evaluation eval, Loss loss) {
        StringBuilder b = new StringBuilder(String.format("%s loss %.4f", label, eval.meanLoss()));
        if (loss.classifies()) {
            b.append(String.format("  %s accuracy %.4f", label, eval.accuracy()));
        }
        if (eval.hasRegressionMetrics()) {
            b.append(String.format("  %s rmse %.4g  %s r2 %.4f", label, eval.rmse(), label, eval.r2()));
        }
        return b.toString();
    }
}
