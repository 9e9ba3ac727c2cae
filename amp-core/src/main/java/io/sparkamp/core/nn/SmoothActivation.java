package io.sparkamp.core.nn;

/**
 * The exp/tanh family of activations. Autocast puts them in FP32 (EXPONENTIAL), so they are evaluated
 * in double and stored as float. GELU uses the tanh approximation (PyTorch {@code approximate="tanh"},
 * GPT-2): {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}.
 */
public enum SmoothActivation {
    GELU("gelu") {
        @Override
        double value(double x) {
            return 0.5 * x * (1.0 + Math.tanh(inner(x)));
        }

        @Override
        double derivative(double x) {
            double t = Math.tanh(inner(x));
            double innerDerivative = SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_CUBIC * x * x);
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * innerDerivative;
        }
    },
    TANH("tanh") {
        @Override
        double value(double x) {
            return Math.tanh(x);
        }

        @Override
        double derivative(double x) {
            double t = Math.tanh(x);
            return 1.0 - t * t;
        }
    },
    SIGMOID("sigmoid") {
        @Override
        double value(double x) {
            return sigmoid(x);
        }

        @Override
        double derivative(double x) {
            double s = sigmoid(x);
            return s * (1.0 - s);
        }
    };

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double GELU_CUBIC = 0.044715;

    private final String kind;

    SmoothActivation(String kind) {
        this.kind = kind;
    }

    /** The spec word: gelu, tanh, sigmoid. */
    public String kind() {
        return kind;
    }

    abstract double value(double x);

    abstract double derivative(double x);

    /** The logistic function without overflow for large |x|. */
    public static double sigmoid(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    private static double inner(double x) {
        return SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
    }
}
