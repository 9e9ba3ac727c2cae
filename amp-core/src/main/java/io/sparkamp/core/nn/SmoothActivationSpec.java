package io.sparkamp.core.nn;

import java.util.Objects;

/**
 * {@code gelu}, {@code tanh} or {@code sigmoid}: computed in FP32 (autocast EXPONENTIAL), output
 * stored as float. The input is saved for backward — as 16-bit codes in a mixed run — and the
 * derivative is evaluated at the saved value.
 */
public record SmoothActivationSpec(SmoothActivation function) implements ShapePreservingSpec {
    public SmoothActivationSpec {
        Objects.requireNonNull(function, "function");
    }

    @Override
    public String toSpec() {
        return function.kind();
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        return new SmoothActivationLayer(function, outputSize(inputSize));
    }
}
