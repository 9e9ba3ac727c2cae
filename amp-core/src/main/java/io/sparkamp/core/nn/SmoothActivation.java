package io.sparkamp.core.nn;

import io.sparkamp.core.ops.SmoothFunction;

/**
 * The exp/tanh family of activations a model spec names: gelu (the tanh approximation, PyTorch
 * {@code approximate="tanh"}), tanh and sigmoid. Autocast puts them in FP32 (EXPONENTIAL); they are evaluated
 * in double and stored as float, by {@link SmoothFunction}.
 */
public enum SmoothActivation {
    GELU("gelu", SmoothFunction.GELU),
    TANH("tanh", SmoothFunction.TANH),
    SIGMOID("sigmoid", SmoothFunction.SIGMOID);

    private final String kind;
    private final SmoothFunction function;

    SmoothActivation(String kind, SmoothFunction function) {
        this.kind = kind;
        this.function = function;
    }

    /** The spec word: gelu, tanh, sigmoid. */
    public String kind() {
        return kind;
    }

    /** What computes it. */
    public SmoothFunction function() {
        return function;
    }
}
