package io.sparkamp.core.nn;

/**
 * What a layer holds and does for one batch: forward, then backward with gradients written into its
 * slice of the flat gradient buffer. An instance keeps the activations of its last forward for the
 * backward that follows, so it belongs to one thread (one task); specs are shared, layers are not.
 */
public interface Layer {
    /** Values per row this layer reads. */
    int inputSize();

    /** Values per row this layer writes. */
    int outputSize();

    /**
     * Computes the outputs of {@code rows} rows ({@code rows * inputSize()} values, row-major) under the
     * context's autocast policy, and saves what {@link #backward} needs (in low precision in mixed runs).
     */
    float[] forward(ComputeContext ctx, float[] input, int rows);

    /**
     * Back-propagates {@code gradOutput} ({@code rows * outputSize()} values) through the last forward:
     * ADDS this layer's FP32 parameter gradients into {@code paramGrads} (the flat buffer, at this layer's
     * offsets) and returns the gradient of the input, or null when {@code needInputGrad} is false.
     */
    float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad);
}
