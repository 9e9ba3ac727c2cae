package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/**
 * A layer whose output row has the size of its input row (activations, dropout, layer norm): the size
 * both ways, and the activations it keeps for backward reported.
 */
abstract class ShapePreservingLayer implements Layer, ActivationMemory {
    /** Values per row, in and out. */
    protected final int size;

    ShapePreservingLayer(int size) {
        this.size = size;
    }

    @Override
    public final int inputSize() {
        return size;
    }

    @Override
    public final int outputSize() {
        return size;
    }

    /** {@code rows} rows of FP32 {@code values} in this layer's workspace slot {@code slot} (for layers that compute on arrays). */
    protected final Matrix fp32Rows(ComputeContext ctx, String slot, float[] values, int rows) {
        Matrix out = ctx.workspace().matrix(this, slot, Precision.FP32, rows, size);
        out.writeFloats(values, 0);
        return out;
    }
}
