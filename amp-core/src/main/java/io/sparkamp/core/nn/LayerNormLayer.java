package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.ops.Reductions;
import io.sparkamp.core.tensor.Matrix;

import java.util.Arrays;

/**
 * The computing form of {@link LayerNormSpec}: statistics in double, row by row, each row sum in
 * {@link Reductions}' eight partial sums (independent chains of additions, in an order that is the same on every
 * CPU). The sums and the per-value work are {@link Elementwise}'s (vector loops on double lanes where the JVM has
 * the module, the same bits). Its arrays (the input and output rows, the normalized values, the gradients) are
 * this layer's, kept from one micro-batch and step to the next, and the saved normalized values are decoded once
 * per backward rather than value by value.
 */
final class LayerNormLayer extends ShapePreservingLayer {
    private final int gammaOffset;
    private final int betaOffset;
    private SavedTensor normalized;
    private float[] reciprocalStd = new float[0];
    private int savedRows;
    private float[] rows = new float[0];
    private float[] xhat = new float[0];
    private float[] output = new float[0];
    private float[] gradient = new float[0];
    private double[] gammaGrad;
    private double[] betaGrad;
    private float[] paramGrads;
    /** A backward row's two sums. */
    private final double[] rowSums = new double[2];

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
        float[] params = ctx.weights().values();
        Checks.requireParams(LayerNormSpec.KIND, params, gammaOffset, 2 * size);
        int count = input.size();
        rows = atLeast(rows, count);
        input.readFloats(rows, 0);
        xhat = atLeast(xhat, count);
        output = atLeast(output, count);
        if (reciprocalStd.length < input.rows()) {
            reciprocalStd = new float[input.rows()];
        }
        savedRows = input.rows();
        for (int r = 0; r < savedRows; r++) {
            int base = r * size;
            double mean = Elementwise.sum(rows, base, size) / size;
            double squares = Elementwise.sumOfSquaredDeviations(rows, base, size, mean);
            double rstd = 1.0 / Math.sqrt(squares / size + LayerNormSpec.EPSILON);
            reciprocalStd[r] = (float) rstd;
            Elementwise.normalizeRow(rows, base, size, mean, rstd, params, gammaOffset, betaOffset, xhat, output);
        }
        normalized = SavedTensor.keep(ctx.precisionOf(OpClass.MATMUL), xhat, count, normalized);
        return fp32Rows(ctx, "output", output, savedRows);
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGradsOut, boolean needInputGrad) {
        Checks.requireForward(LayerNormSpec.KIND, normalized);
        Checks.requireSameRows(LayerNormSpec.KIND, savedRows, gradOutput.rows());
        Checks.requireCols(LayerNormSpec.KIND, "output gradient", gradOutput, size);
        Checks.requireParams(LayerNormSpec.KIND, paramGradsOut, gammaOffset, 2 * size);
        float[] params = ctx.weights().values();
        int count = gradOutput.size();
        gradient = atLeast(gradient, count);
        gradOutput.readFloats(gradient, 0);
        // The normalized values as the forward saved them (16-bit in a mixed run), decoded once into its array.
        normalized.readInto(xhat);
        if (gammaGrad == null) {
            gammaGrad = new double[size];
            betaGrad = new double[size];
            paramGrads = new float[2 * size];
        }
        Arrays.fill(gammaGrad, 0.0);
        Arrays.fill(betaGrad, 0.0);
        // Statistics in double over plain arrays; only this layer's slice of the gradient buffer is copied.
        Matrix slice = paramGradsOut.slice(gammaOffset, 1, 2 * size);
        slice.readFloats(paramGrads, 0);
        for (int r = 0; r < savedRows; r++) {
            int base = r * size;
            Elementwise.accumulateNormGradients(gradient, xhat, base, size, gammaGrad, betaGrad);
            if (!needInputGrad) {
                continue;
            }
            // The sums of dxhat = dy · gamma and of dxhat · xhat over the row.
            Elementwise.normGradientSums(gradient, xhat, base, size, params, gammaOffset, rowSums);
            double meanGrad = rowSums[0] / size;
            double meanGradTimesXhat = rowSums[1] / size;
            Elementwise.normGradientRow(gradient, xhat, base, size, params, gammaOffset, meanGrad, meanGradTimesXhat,
                    reciprocalStd[r]);
        }
        for (int j = 0; j < size; j++) {
            paramGrads[j] = (float) (paramGrads[j] + gammaGrad[j]);
            paramGrads[size + j] = (float) (paramGrads[size + j] + betaGrad[j]);
        }
        slice.writeFloats(paramGrads, 0);
        if (!needInputGrad) {
            return null;
        }
        return fp32Rows(ctx, "gradInput", gradient, savedRows);
    }

    private static float[] atLeast(float[] array, int size) {
        return array.length >= size ? array : new float[size];
    }

    @Override
    public long savedActivationBytes() {
        return normalized == null ? 0 : normalized.bytes() + 4L * savedRows;
    }
}
