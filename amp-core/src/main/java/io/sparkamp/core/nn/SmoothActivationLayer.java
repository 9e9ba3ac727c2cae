package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.tensor.Matrix;

/**
 * The computing form of {@link SmoothActivationSpec}: evaluates in FP32 (in double, stored as float) through
 * {@link Elementwise#smooth}, vector passes where the CPU has them, and keeps the input for backward. Its arrays
 * are this layer's, kept from one micro-batch and step to the next, and the saved input is decoded once per
 * backward rather than value by value.
 */
final class SmoothActivationLayer extends ShapePreservingLayer {
    private final SmoothActivation function;
    private SavedTensor savedInput;
    private int savedRows;
    private float[] values = new float[0];
    private float[] inputs = new float[0];

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
        int count = input.size();
        values = atLeast(values, count);
        input.readFloats(values, 0);
        // Saved in the precision activations are kept in: low in a mixed run (the MATMUL precision).
        savedInput = SavedTensor.keep(ctx.precisionOf(OpClass.MATMUL), values, count, savedInput);
        savedRows = input.rows();
        Elementwise.smooth(function.function(), values, 0, count);
        return fp32Rows(ctx, "output", values, savedRows);
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireForward(function.kind(), savedInput);
        Checks.requireSameRows(function.kind(), savedRows, gradOutput.rows());
        Checks.requireCols(function.kind(), "output gradient", gradOutput, size);
        if (!needInputGrad) {
            return null;
        }
        int count = gradOutput.size();
        values = atLeast(values, count);
        gradOutput.readFloats(values, 0);
        inputs = atLeast(inputs, count);
        savedInput.readInto(inputs);
        Elementwise.smoothGradient(function.function(), values, inputs, 0, count);
        return fp32Rows(ctx, "gradInput", values, savedRows);
    }

    private static float[] atLeast(float[] array, int size) {
        return array.length >= size ? array : new float[size];
    }

    @Override
    public long savedActivationBytes() {
        return savedInput == null ? 0 : savedInput.bytes();
    }
}
