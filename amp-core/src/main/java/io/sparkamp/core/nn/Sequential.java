package io.sparkamp.core.nn;

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
        if (ctx.weights().size() != parameterCount) {
            throw new IllegalArgumentException("model '" + spec.toSpecString() + "' has " + parameterCount
                    + " parameters but the working weights hold " + ctx.weights().size());
        }
        float[] activation = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                activation = layers.get(i).forward(ctx, activation, rows);
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
        float[] gradient = gradOutput;
        for (int i = layers.size() - 1; i >= 0; i--) {
            try {
                gradient = layers.get(i).backward(ctx, gradient, rows, paramGrads, i > 0);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(describe(i) + ": " + e.getMessage(), e);
            }
        }
    }

    private String describe(int index) {
        return "layer " + index + " '" + spec.layers().get(index).toSpec() + "'";
    }
}
