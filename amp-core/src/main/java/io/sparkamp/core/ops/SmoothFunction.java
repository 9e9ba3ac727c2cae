package io.sparkamp.core.ops;

/**
 * The exp/tanh family of activations, evaluated in double from a float and stored as float (autocast puts
 * exponentials in FP32). GELU is the tanh approximation (PyTorch {@code approximate="tanh"}, GPT-2):
 * {@code 0.5 x (1 + tanh(u))} with {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, computed as the equal
 * {@code x · sigmoid(2u)}: {@code 1 + tanh(u)} loses its digits to cancellation as x falls (it is exactly 0 in
 * double from about x = -7.2, and in float, as PyTorch computes it, from about -5.2), where the logistic keeps them.
 *
 * <p>These methods are the definition that both implementations of {@link Elementwise#smooth} and
 * {@link Elementwise#smoothGradient} follow to the bit: each is written as the steps the vector passes take, in
 * their order, on {@link DoubleExp}'s exponential.
 */
public enum SmoothFunction {
    GELU {
        @Override
        double value(double x) {
            return x * geluLogistic(x);
        }

        @Override
        double derivative(double x) {
            double s = geluLogistic(x);
            return s + (x + x) * (s * (1.0 - s)) * geluInnerDerivative(x);
        }
    },
    TANH {
        @Override
        double value(double x) {
            return tanh(x);
        }

        @Override
        double derivative(double x) {
            double t = tanh(x);
            return 1.0 - t * t;
        }
    },
    SIGMOID {
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

    static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    static final double GELU_CUBIC = 0.044715;
    static final double GELU_CUBIC_TIMES_3 = 3.0 * GELU_CUBIC;

    /** The function at {@code x}. */
    abstract double value(double x);

    /** Its derivative at {@code x}. */
    abstract double derivative(double x);

    /**
     * tanh in double: {@code (e^{2x} - 1) / (e^{2x} + 1)} from {@link DoubleExp#expm1}, which keeps the accuracy
     * near 0 and the sign of -0; within 2^-49 of {@code StrictMath.tanh} relative ({@code SmoothFunctionTest}),
     * far inside the float the layers store. ±1 from |x| = 20 on (the quotient rounds to it), NaN stays NaN.
     */
    public static double tanh(double x) {
        double e = DoubleExp.expm1(x + x);
        return e / (e + 2.0);
    }

    /** The logistic function, {@code 1 / (1 + e^-x)} and {@code e^x / (1 + e^x)} below 0, without overflow. */
    public static double sigmoid(double x) {
        return logistic(DoubleExp.exp(-Math.abs(x)), x < 0);
    }

    /** The logistic of y from {@code e = e^-|y|} and the sign of y. */
    static double logistic(double e, boolean negative) {
        return (negative ? e : 1.0) / (1.0 + e);
    }

    /** {@code 2u = 2 sqrt(2/pi) (x + 0.044715 x^3)}, GELU's logistic argument, which has the sign of x. */
    static double geluArgument(double x) {
        double u = SQRT_2_OVER_PI * (x + GELU_CUBIC * x * x * x);
        return u + u;
    }

    /** {@code sigmoid(2u)}, GELU's factor. */
    static double geluLogistic(double x) {
        return logistic(DoubleExp.exp(-Math.abs(geluArgument(x))), x < 0);
    }

    /** {@code du/dx = sqrt(2/pi) (1 + 3 · 0.044715 x^2)}. */
    static double geluInnerDerivative(double x) {
        return SQRT_2_OVER_PI * (1.0 + GELU_CUBIC_TIMES_3 * x * x);
    }
}
