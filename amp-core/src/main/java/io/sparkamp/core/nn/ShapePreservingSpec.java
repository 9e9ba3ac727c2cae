package io.sparkamp.core.nn;

import java.util.List;
import java.util.SplittableRandom;

/** A parameter-free layer whose output row has the size of its input row (activations, dropout). */
interface ShapePreservingSpec extends LayerSpec {
    @Override
    default int outputSize(int inputSize) {
        if (inputSize <= 0) {
            throw new IllegalArgumentException(toSpec() + ": input size must be positive, got " + inputSize);
        }
        return inputSize;
    }

    @Override
    default List<ParamShape> parameterShapes(int inputSize) {
        outputSize(inputSize);
        return List.of();
    }

    @Override
    default void initialize(int inputSize, float[] params, int offset, SplittableRandom random) {
        outputSize(inputSize);
    }
}
