package io.sparkamp.core.nn;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code layernorm}: per row {@code y = gamma * (x - mean) / sqrt(var + 1e-5) + beta} over the whole
 * row, biased variance. Autocast NORM: statistics in double, output in FP32. Backward keeps the
 * normalised input (16-bit codes in a mixed run) and one FP32 reciprocal deviation per row.
 * Initialisation: gamma 1, beta 0.
 */
public record LayerNormSpec() implements LayerSpec {
    public static final String KIND = "layernorm";
    public static final double EPSILON = 1e-5;

    @Override
    public String toSpec() {
        return KIND;
    }

    @Override
    public int outputSize(int inputSize) {
        if (inputSize <= 0) {
            throw new IllegalArgumentException(KIND + ": input size must be positive, got " + inputSize);
        }
        return inputSize;
    }

    @Override
    public List<ParamShape> parameterShapes(int inputSize) {
        outputSize(inputSize);
        return List.of(new ParamShape("gamma", 1, inputSize), new ParamShape("beta", 1, inputSize));
    }

    @Override
    public void initialize(int inputSize, float[] params, int offset, SplittableRandom random) {
        outputSize(inputSize);
        Checks.requireParams(KIND, params, offset, 2 * inputSize);
        Arrays.fill(params, offset, offset + inputSize, 1f);
        Arrays.fill(params, offset + inputSize, offset + 2 * inputSize, 0f);
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        return new LayerNormLayer(outputSize(inputSize), paramOffset);
    }
}
