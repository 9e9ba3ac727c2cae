package io.sparkamp.core.nn;

/**
 * Independent FP64 forward passes of every layer and loss, written from the textbook formulas (not
 * from the code under test), for central finite differences. All matrices row-major.
 */
public final class Fp64Reference {
    public static final double GELU_C = Math.sqrt(2.0 / Math.PI);

    private Fp64Reference() {
    }

    /** y[rows x out] = x[rows x in] · w[in x out] + b[out]. */
    public static double[] linear(double[] x, int rows, int in, int out, double[] w, double[] b) {
        double[] y = new double[rows * out];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < out; j++) {
                double s = b[j];
                for (int p = 0; p < in; p++) {
                    s += x[r * in + p] * w[p * out + j];
                }
                y[r * out + j] = s;
            }
        }
        return y;
    }

    public static double[] relu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i] > 0 ? x[i] : 0;
        }
        return y;
    }

    /** GELU, tanh approximation. */
    public static double[] gelu(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double v = x[i];
            y[i] = 0.5 * v * (1 + Math.tanh(GELU_C * (v + 0.044715 * v * v * v)));
        }
        return y;
    }

    public static double[] tanh(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = Math.tanh(x[i]);
        }
        return y;
    }

    public static double[] sigmoid(double[] x) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 1.0 / (1.0 + Math.exp(-x[i]));
        }
        return y;
    }

    public static double[] layerNorm(double[] x, int rows, int d, double[] gamma, double[] beta) {
        double[] y = new double[rows * d];
        for (int r = 0; r < rows; r++) {
            double mean = 0;
            for (int j = 0; j < d; j++) {
                mean += x[r * d + j];
            }
            mean /= d;
            double var = 0;
            for (int j = 0; j < d; j++) {
                var += (x[r * d + j] - mean) * (x[r * d + j] - mean);
            }
            var /= d;
            for (int j = 0; j < d; j++) {
                y[r * d + j] = gamma[j] * (x[r * d + j] - mean) / Math.sqrt(var + 1e-5) + beta[j];
            }
        }
        return y;
    }

    /** Sum over rows of -log softmax(z)[target]. */
    public static double softmaxCe(double[] z, double[] targets, int rows, int k) {
        double total = 0;
        for (int r = 0; r < rows; r++) {
            double denominator = 0;
            for (int j = 0; j < k; j++) {
                denominator += Math.exp(z[r * k + j]);
            }
            total += -Math.log(Math.exp(z[r * k + (int) targets[r]]) / denominator);
        }
        return total;
    }

    /** Sum of -(t log s(z) + (1 - t) log(1 - s(z))). */
    public static double bceLogits(double[] z, double[] t) {
        double total = 0;
        for (int i = 0; i < z.length; i++) {
            double s = 1.0 / (1.0 + Math.exp(-z[i]));
            total += -(t[i] * Math.log(s) + (1 - t[i]) * Math.log(1 - s));
        }
        return total;
    }

    /** Half the sum of squared errors. */
    public static double halfSquaredError(double[] y, double[] t) {
        double total = 0;
        for (int i = 0; i < y.length; i++) {
            total += 0.5 * (y[i] - t[i]) * (y[i] - t[i]);
        }
        return total;
    }

    public static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
