package io.sparkamp.core.nn;

import io.sparkamp.core.tensor.Matrix;

/**
 * What a layer holds and does for one batch: forward, then backward with gradients written into its
 * slice of the flat gradient buffer. An instance keeps the activations of its last forward for the
 * backward that follows, so it belongs to one thread (one task); specs are shared, layers are not.
 *
 * <p>Activations travel as {@link Matrix} views in whatever storage the producer chose (16-bit codes,
 * or FP32 values, possibly already rounded to FP16/BF16); a layer converts only what it must. A returned
 * matrix lives in the context's workspace and stays valid until the same layer runs the same pass again.
 * The array forms copy in and out, for tests and one-off callers.
 */
public interface Layer {
    /** Values per row this layer reads. */
    int inputSize();

    /** Values per row this layer writes. */
    int outputSize();

    /** The spec text, for messages, e.g. "linear 512". */
    String name();

    /**
     * Computes the outputs of {@code input.rows()} rows under the context's autocast policy, and saves
     * what {@link #backward} needs (in low precision in mixed runs).
     */
    Matrix forward(ComputeContext ctx, Matrix input);

    /**
     * Back-propagates {@code gradOutput} through the last forward: ADDS this layer's FP32 parameter
     * gradients into {@code paramGrads} (the flat FP32 buffer, 1×P, at this layer's offsets) and returns
     * the gradient of the input, or null when {@code needInputGrad} is false.
     */
    Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad);

    /** {@link #forward(ComputeContext, Matrix)} of {@code rows} row-major rows of floats. */
    default float[] forward(ComputeContext ctx, float[] input, int rows) {
        Checks.requireRows(name(), "input", input, rows, inputSize());
        return forward(ctx, Matrix.ofFloats(input, rows, inputSize())).toFloats();
    }

    /** {@link #backward(ComputeContext, Matrix, Matrix, boolean)} with float arrays; adds into {@code paramGrads}. */
    default float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
        Checks.requireRows(name(), "output gradient", gradOutput, rows, outputSize());
        if (paramGrads == null) {
            throw new IllegalArgumentException(name() + ": parameter gradient buffer is null");
        }
        Matrix grads = Matrix.ofFloats(paramGrads, 1, paramGrads.length);
        Matrix gradInput = backward(ctx, Matrix.ofFloats(gradOutput, rows, outputSize()), grads, needInputGrad);
        grads.readFloats(paramGrads, 0);
        return gradInput == null ? null : gradInput.toFloats();
    }
}
