package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.ops.Reductions;
import org.apache.spark.ml.linalg.DenseVector;

/**
 * How the network's outputs become Spark ML's prediction columns, decided by the loss the model was
 * trained with, as Spark's own classifiers and regressors write them:
 * <ul>
 *   <li>{@code softmax_ce}, K outputs: {@code rawPrediction} the K logits, {@code probability} their
 *       softmax, {@code prediction} the index of the largest logit (the first on ties);</li>
 *   <li>{@code bce_logits}, one output z: binary, as {@code LogisticRegression}: {@code rawPrediction}
 *       [-z, z], {@code probability} [1 - sigmoid(z), sigmoid(z)], {@code prediction} 1 when sigmoid(z) &gt; 0.5;</li>
 *   <li>{@code bce_logits}, K &gt; 1 outputs (independent labels): {@code rawPrediction} the K logits,
 *       {@code probability} the K sigmoids (they need not sum to 1), {@code prediction} the most likely label;</li>
 *   <li>{@code mse}, one output: {@code prediction} only, as Spark's regressors.</li>
 * </ul>
 * Softmax and sigmoid are computed in double from the FP32 logits (autocast: exponentials are never 16-bit).
 */
public enum OutputHead {
    CLASSIFICATION(true),
    BINARY(true),
    MULTI_LABEL(true),
    REGRESSION(false);

    private final boolean classifier;

    OutputHead(boolean classifier) {
        this.classifier = classifier;
    }

    /** The head of a model trained with {@code loss} that writes {@code outputs} values per row. */
    public static OutputHead of(String loss, int outputs) {
        Loss l = Losses.byName(loss);
        if (l.predictsValues()) {
            if (outputs != 1) {
                throw new ConfigException(loss + " model with " + outputs + " outputs: a regressor's prediction column holds one value,"
                        + " so scoring needs a model with one output");
            }
            return REGRESSION;
        }
        if (l.classifies()) { // one class index per row: the outputs are the classes' logits
            if (outputs < 2) {
                throw new ConfigException(loss + " model with " + outputs + " output: a classifier needs at least 2 classes");
            }
            return CLASSIFICATION;
        }
        return outputs == 1 ? BINARY : MULTI_LABEL; // independent 0/1 targets, one per output
    }

    /** Whether the model writes probability and rawPrediction columns too. */
    public boolean classifier() {
        return classifier;
    }

    /** Length of the probability and rawPrediction vectors for {@code outputs} network outputs. */
    public int vectorSize(int outputs) {
        return this == BINARY ? 2 : outputs;
    }

    /** The prediction of row {@code row} of the row-major {@code outputs} matrix with {@code width} columns. */
    public double prediction(float[] outputs, int row, int width) {
        switch (this) {
            case BINARY:
                return outputs[row] > 0f ? 1.0 : 0.0; // sigmoid(z) > 0.5 exactly when z > 0
            case REGRESSION:
                return outputs[row];
            default:
                return Reductions.argmaxRow(outputs, row, width);
        }
    }

    /** The rawPrediction vector of row {@code row}; only for classifiers. */
    public DenseVector rawPrediction(float[] outputs, int row, int width) {
        if (this == BINARY) {
            double z = outputs[row];
            return new DenseVector(new double[] {-z, z});
        }
        double[] raw = new double[width];
        for (int j = 0; j < width; j++) {
            raw[j] = outputs[row * width + j];
        }
        return new DenseVector(raw);
    }

    /** The probability vector of row {@code row}; only for classifiers. */
    public DenseVector probability(float[] outputs, int row, int width) {
        int base = row * width;
        switch (this) {
            case BINARY: {
                double p = sigmoid(outputs[row]);
                return new DenseVector(new double[] {1.0 - p, p});
            }
            case MULTI_LABEL: {
                double[] p = new double[width];
                for (int j = 0; j < width; j++) {
                    p[j] = sigmoid(outputs[base + j]);
                }
                return new DenseVector(p);
            }
            default: {
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < width; j++) {
                    max = Math.max(max, outputs[base + j]);
                }
                double[] p = new double[width];
                double sum = 0;
                for (int j = 0; j < width; j++) {
                    p[j] = Math.exp(outputs[base + j] - max);
                    sum += p[j];
                }
                for (int j = 0; j < width; j++) {
                    p[j] /= sum;
                }
                return new DenseVector(p);
            }
        }
    }

    /** The logistic function; in double, exp(-x) over- or underflowing still gives the right limit 0 or 1. */
    private static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }
}
