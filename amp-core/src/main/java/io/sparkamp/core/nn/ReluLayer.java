package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Elementwise;

/** The computing form of {@link ReluSpec}: keeps one bit per value (was it positive) for backward. */
final class ReluLayer implements Layer, ActivationMemory {
    private final int size;
    private long[] positive;
    private int savedRows;

    ReluLayer(int size) {
        this.size = size;
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
        Checks.requireRows(ReluSpec.KIND, "input", input, rows, size);
        int count = rows * size;
        positive = Elementwise.newMask(count);
        savedRows = rows;
        return Elementwise.relu(input, count, ctx.precisionOf(OpClass.POINTWISE), positive);
    }

    @Override
    public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
        Checks.requireForward(ReluSpec.KIND, positive);
        Checks.requireSameRows(ReluSpec.KIND, savedRows, rows);
        Checks.requireRows(ReluSpec.KIND, "output gradient", gradOutput, rows, size);
        if (!needInputGrad) {
            return null;
        }
        return Elementwise.maskAndScale(gradOutput, rows * size, positive, 1f, Precision.FP32);
    }

    @Override
    public long savedActivationBytes() {
        return positive == null ? 0 : 8L * positive.length;
    }
}
