package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

import java.util.List;

/**
 * The computing form of a {@link ModelSpec}: its layers bound to their slices of the flat parameter
 * buffer. Holds the activations of the last forward, so one instance belongs to one thread.
 * Errors from a layer are re-thrown naming the layer index and spec text.
 */
public final class Sequential {
    private final ModelSpec spec;
    private final List<Layer> layers;
    private final int parameterCount;

    Sequential(ModelSpec spec, List<Layer> layers, int parameterCount) {
        this.spec = spec;
        this.layers = List.copyOf(layers);
        this.parameterCount = parameterCount;
        // A Linear next to a ReLU does the ReLU's pointwise work in its own passes (same values, fewer passes).
        for (int i = 0; i + 1 < layers.size(); i++) {
            if (layers.get(i) instanceof LinearLayer && layers.get(i + 1) instanceof ReluLayer) {
                ((LinearLayer) layers.get(i)).fuseActivation((ReluLayer) layers.get(i + 1));
            }
            if (layers.get(i) instanceof ReluLayer && layers.get(i + 1) instanceof LinearLayer) {
                ((LinearLayer) layers.get(i + 1)).fuseInputGradientMask((ReluLayer) layers.get(i));
            }
        }
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The bound layers in order. */
    public List<Layer> layers() {
        return layers;
    }

    public int parameterCount() {
        return parameterCount;
    }

    /** Runs {@code rows} rows of {@code input} through every layer; returns rows * outputSize() values. */
    public float[] forward(ComputeContext ctx, float[] input, int rows) {
        Layer first = layers.get(0);
        try {
            Checks.requireRows(first.name(), "input", input, rows, first.inputSize());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe(0) + ": " + e.getMessage(), e);
        }
        return forward(ctx, Matrix.ofFloats(input, rows, first.inputSize())).toFloats();
    }

    /**
     * Runs the rows of {@code input} (any storage) through every layer; the result lives in the context's
     * workspace until the next forward.
     */
    public Matrix forward(ComputeContext ctx, Matrix input) {
        if (ctx.weights().size() != parameterCount) {
            throw new IllegalArgumentException("model '" + spec.toSpecString() + "' has " + parameterCount
                    + " parameters but the working weights hold " + ctx.weights().size());
        }
        Matrix activation = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                activation = layers.get(i).forward(ctx, activation);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe(i) + ": " + e.getMessage(), e);
            }
        }
        return activation;
    }

    /**
     * Back-propagates {@code gradOutput} through the last forward, ADDING every parameter gradient into
     * {@code paramGrads}. The first layer computes no input gradient (the data needs none).
     */
    public void backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads) {
        if (paramGrads == null || paramGrads.length != parameterCount) {
            throw new IllegalArgumentException("model '" + spec.toSpecString() + "' has " + parameterCount
                    + " parameters but the gradient buffer holds " + (paramGrads == null ? "null" : String.valueOf(paramGrads.length)));
        }
        Layer last = layers.get(layers.size() - 1);
        try {
            Checks.requireRows(last.name(), "output gradient", gradOutput, rows, last.outputSize());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe(layers.size() - 1) + ": " + e.getMessage(), e);
        }
        Matrix grads = Matrix.ofFloats(paramGrads, 1, parameterCount);
        backward(ctx, Matrix.ofFloats(gradOutput, rows, last.outputSize()), grads);
        grads.readFloats(paramGrads, 0);
    }

    /**
     * Back-propagates {@code gradOutput} (any storage) through the last forward, ADDING every parameter
     * gradient into {@code paramGrads} (FP32, 1×P).
     */
    public void backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads) {
        if (paramGrads.size() != parameterCount || paramGrads.storage() != Precision.FP32) {
            throw new IllegalArgumentException("model '" + spec.toSpecString() + "' has " + parameterCount
                    + " parameters but the gradient buffer is " + paramGrads);
        }
        Matrix gradient = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            try {
                gradient = layers.get(i).backward(ctx, gradient, paramGrads, i > 0);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe(i) + ": " + e.getMessage(), e);
            }
        }
    }

    private String describe(int index) {
        return "layer " + index + " '" + spec.layers().get(index).toSpec() + "'";
    }
}
