package io.sparkamp.core.nn;

/**
 * {@code relu}: max(x, 0). Pointwise, so in a mixed run the output is rounded to the low precision;
 * backward needs only which inputs were positive, kept as one bit per value. The gradient is masked
 * unrounded (masking is exact; the cast to 16 bits happens, and is counted, at the next matmul).
 */
public record ReluSpec() implements ShapePreservingSpec {
    public static final String KIND = "relu";

    @Override
    public String toSpec() {
        return KIND;
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        return new ReluLayer(outputSize(inputSize));
    }
}
