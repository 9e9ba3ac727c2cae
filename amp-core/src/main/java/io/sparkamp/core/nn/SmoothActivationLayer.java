package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.tensor.Matrix;

/** The computing form of {@link SmoothActivationSpec}: evaluates in FP32, keeps the input for backward. */
final class SmoothActivationLayer extends ShapePreservingLayer {
    private final SmoothActivation function;
    private SavedTensor savedInput;
    private int savedRows;

    SmoothActivationLayer(SmoothActivation function, int size) {
        super(size);
        this.function = function;
    }

    @Override
    public String name() {
        return function.kind();
    }

    @Override
    public Matrix forward(ComputeContext ctx, Matrix input) {
        Checks.requireCols(function.kind(), "input", input, size);
        return fp32Rows(ctx, "output", forward(ctx, input.toFloats(), input.rows()), input.rows());
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireCols(function.kind(), "output gradient", gradOutput, size);
        float[] gradInput = backward(ctx, gradOutput.toFloats(), gradOutput.rows(), null, needInputGrad);
        return gradInput == null ? null : fp32Rows(ctx, "gradInput", gradInput, gradOutput.rows());
    }

    @Override
    public float[] forward(ComputeContext ctx, float[] input, int rows) {
        Checks.requireRows(function.kind(), "input", input, rows, size);
        int count = rows * size;
        float[] output = new float[count];
        for (int i = 0; i < count; i++) {
            output[i] = (float) function.value(input[i]);
        }
        // Saved in the precision activations are kept in: low in a mixed run (the MATMUL precision).
        savedInput = SavedTensor.keep(ctx.precisionOf(OpClass.MATMUL), input, count);
        savedRows = rows;
        return output;
    }

    @Override
    public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
        Checks.requireForward(function.kind(), savedInput);
        Checks.requireSameRows(function.kind(), savedRows, rows);
        Checks.requireRows(function.kind(), "output gradient", gradOutput, rows, size);
        if (!needInputGrad) {
            return null;
        }
        int count = rows * size;
        float[] gradInput = new float[count];
        for (int i = 0; i < count; i++) {
            gradInput[i] = (float) (gradOutput[i] * function.derivative(savedInput.get(i)));
        }
        return gradInput;
    }

    @Override
    public long savedActivationBytes() {
        return savedInput == null ? 0 : savedInput.bytes();
    }
}
