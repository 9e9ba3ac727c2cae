package io.sparkamp.core.nn;

import java.util.List;
import java.util.SplittableRandom;

/**
 * What a layer is: its kind, its sizes and how to initialise its parameters. Immutable and shared;
 * {@link #bind} makes the {@link Layer} that computes.
 */
public interface LayerSpec {
    /** The spec text that parses back to this layer, e.g. "linear 512" or "dropout 0.1". */
    String toSpec();

    /** Values per output row for {@code inputSize} values per input row; throws if the input does not fit. */
    int outputSize(int inputSize);

    /** The parameter tensors, in buffer order (empty for parameter-free layers). */
    List<ParamShape> parameterShapes(int inputSize);

    /** Writes initial values of this layer's parameters into {@code params[offset..]}. */
    void initialize(int inputSize, float[] params, int offset, SplittableRandom random);

    /** A computing layer whose parameters start at {@code paramOffset} of the flat buffer. */
    Layer bind(int inputSize, int paramOffset);
}
