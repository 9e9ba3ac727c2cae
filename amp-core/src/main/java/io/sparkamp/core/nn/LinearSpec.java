package io.sparkamp.core.nn;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A fully connected layer {@code Y = X·W + b} with {@code W} of shape [in, out] (row-major) and
 * {@code b} of shape [1, out]: spec text {@code linear OUT}.
 *
 * <p>Initialisation is He (Kaiming) uniform for ReLU networks: every weight is drawn uniformly from
 * {@code [-sqrt(6 / in), sqrt(6 / in))}, which gives variance {@code 2 / in}; the bias starts at zero.
 */
public record LinearSpec(int outputs) implements LayerSpec {
    public static final String KIND = "linear";

    public LinearSpec {
        if (outputs <= 0) {
            throw new IllegalArgumentException(KIND + ": output size must be positive, got " + outputs);
        }
    }

    @Override
    public String toSpec() {
        return KIND + " " + outputs;
    }

    @Override
    public int outputSize(int inputSize) {
        if (inputSize <= 0) {
            throw new IllegalArgumentException(toSpec() + ": input size must be positive, got " + inputSize);
        }
        return outputs;
    }

    @Override
    public List<ParamShape> parameterShapes(int inputSize) {
        outputSize(inputSize);
        return List.of(new ParamShape("weight", inputSize, outputs), new ParamShape("bias", 1, outputs));
    }

    @Override
    public void initialize(int inputSize, float[] params, int offset, SplittableRandom random) {
        outputSize(inputSize);
        int weights = inputSize * outputs;
        Checks.requireParams(toSpec(), params, offset, weights + outputs);
        double bound = Math.sqrt(6.0 / inputSize);
        for (int i = 0; i < weights; i++) {
            params[offset + i] = (float) random.nextDouble(-bound, bound);
        }
        java.util.Arrays.fill(params, offset + weights, offset + weights + outputs, 0f);
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        outputSize(inputSize);
        return new LinearLayer(toSpec(), inputSize, outputs, paramOffset);
    }
}
