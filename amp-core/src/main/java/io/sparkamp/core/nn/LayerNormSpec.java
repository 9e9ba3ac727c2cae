package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;

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

    static final class LayerNormLayer implements Layer, ActivationMemory {
        private final int size;
        private final int gammaOffset;
        private final int betaOffset;
        private SavedTensor normalized;
        private float[] reciprocalStd;

        LayerNormLayer(int size, int paramOffset) {
            this.size = size;
            this.gammaOffset = paramOffset;
            this.betaOffset = paramOffset + size;
        }

        @Override
        public int inputSize() {
            return size;
        }

        @Override
        public int outputSize() {
            return size;
        }

        @Override
        public float[] forward(ComputeContext ctx, float[] input, int rows) {
            Checks.requireRows(KIND, "input", input, rows, size);
            float[] params = ctx.weights().values();
            Checks.requireParams(KIND, params, gammaOffset, 2 * size);
            float[] xhat = new float[rows * size];
            float[] output = new float[rows * size];
            reciprocalStd = new float[rows];
            for (int r = 0; r < rows; r++) {
                int base = r * size;
                double sum = 0.0;
                for (int j = 0; j < size; j++) {
                    sum += input[base + j];
                }
                double mean = sum / size;
                double squares = 0.0;
                for (int j = 0; j < size; j++) {
                    double d = input[base + j] - mean;
                    squares += d * d;
                }
                double rstd = 1.0 / Math.sqrt(squares / size + EPSILON);
                reciprocalStd[r] = (float) rstd;
                for (int j = 0; j < size; j++) {
                    double normalizedValue = (input[base + j] - mean) * rstd;
                    xhat[base + j] = (float) normalizedValue;
                    output[base + j] = (float) (params[gammaOffset + j] * normalizedValue + params[betaOffset + j]);
                }
            }
            normalized = SavedTensor.keep(ctx.precisionOf(OpClass.MATMUL), xhat, xhat.length);
            return output;
        }

        @Override
        public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
            Checks.requireForward(KIND, normalized);
            Checks.requireSameRows(KIND, reciprocalStd.length, rows);
            Checks.requireRows(KIND, "output gradient", gradOutput, rows, size);
            Checks.requireParams(KIND, paramGrads, gammaOffset, 2 * size);
            float[] params = ctx.weights().values();
            double[] gammaGrad = new double[size];
            double[] betaGrad = new double[size];
            float[] gradInput = needInputGrad ? new float[rows * size] : null;
            for (int r = 0; r < rows; r++) {
                int base = r * size;
                double meanGrad = 0.0;
                double meanGradTimesXhat = 0.0;
                for (int j = 0; j < size; j++) {
                    double dy = gradOutput[base + j];
                    double xhat = normalized.get(base + j);
                    gammaGrad[j] += dy * xhat;
                    betaGrad[j] += dy;
                    double dxhat = dy * params[gammaOffset + j];
                    meanGrad += dxhat;
                    meanGradTimesXhat += dxhat * xhat;
                }
                if (gradInput == null) {
                    continue;
                }
                meanGrad /= size;
                meanGradTimesXhat /= size;
                double rstd = reciprocalStd[r];
                for (int j = 0; j < size; j++) {
                    double dxhat = gradOutput[base + j] * (double) params[gammaOffset + j];
                    double xhat = normalized.get(base + j);
                    gradInput[base + j] = (float) (rstd * (dxhat - meanGrad - xhat * meanGradTimesXhat));
                }
            }
            for (int j = 0; j < size; j++) {
                paramGrads[gammaOffset + j] = (float) (paramGrads[gammaOffset + j] + gammaGrad[j]);
                paramGrads[betaOffset + j] = (float) (paramGrads[betaOffset + j] + betaGrad[j]);
            }
            return gradInput;
        }

        @Override
        public long savedActivationBytes() {
            return normalized == null ? 0 : normalized.bytes() + 4L * reciprocalStd.length;
        }
    }
}
