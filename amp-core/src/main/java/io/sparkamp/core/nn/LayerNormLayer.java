package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.tensor.Matrix;

/** The computing form of {@link LayerNormSpec}. */
final class LayerNormLayer extends ShapePreservingLayer {
    private final int gammaOffset;
    private final int betaOffset;
    private SavedTensor normalized;
    private float[] reciprocalStd;

    LayerNormLayer(int size, int paramOffset) {
        super(size);
        this.gammaOffset = paramOffset;
        this.betaOffset = paramOffset + size;
    }

    @Override
    public String name() {
        return LayerNormSpec.KIND;
    }

    @Override
    public Matrix forward(ComputeContext ctx, Matrix input) {
        Checks.requireCols(LayerNormSpec.KIND, "input", input, size);
        return fp32Rows(ctx, "output", forward(ctx, input.toFloats(), input.rows()), input.rows());
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireForward(LayerNormSpec.KIND, normalized);
        Checks.requireSameRows(LayerNormSpec.KIND, reciprocalStd.length, gradOutput.rows());
        Checks.requireCols(LayerNormSpec.KIND, "output gradient", gradOutput, size);
        Checks.requireParams(LayerNormSpec.KIND, paramGrads, gammaOffset, 2 * size);
        // Statistics in double over plain arrays; only this layer's slice of the gradient buffer is copied.
        Matrix slice = paramGrads.slice(gammaOffset, 1, 2 * size);
        float[] grads = slice.toFloats();
        float[] gradInput = backwardValues(ctx, gradOutput.toFloats(), gradOutput.rows(), grads, needInputGrad);
        slice.writeFloats(grads, 0);
        if (gradInput == null) {
            return null;
        }
        return fp32Rows(ctx, "gradInput", gradInput, gradOutput.rows());
    }

    @Override
    public float[] forward(ComputeContext ctx, float[] input, int rows) {
        Checks.requireRows(LayerNormSpec.KIND, "input", input, rows, size);
        float[] params = ctx.weights().values();
        Checks.requireParams(LayerNormSpec.KIND, params, gammaOffset, 2 * size);
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
            double rstd = 1.0 / Math.sqrt(squares / size + LayerNormSpec.EPSILON);
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

    /** The backward pass on arrays; {@code grads} holds this layer's gradients, gamma then beta. */
    private float[] backwardValues(ComputeContext ctx, float[] gradOutput, int rows, float[] grads, boolean needInputGrad) {
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
            grads[j] = (float) (grads[j] + gammaGrad[j]);
            grads[size + j] = (float) (grads[size + j] + betaGrad[j]);
        }
        return gradInput;
    }

    @Override
    public long savedActivationBytes() {
        return normalized == null ? 0 : normalized.bytes() + 4L * reciprocalStd.length;
    }
}
