package io.sparkamp.core.nn;

import java.util.List;
import java.util.SplittableRandom;

/**
 * {@code embedding VOCAB DIM}: each input row holds T token ids (as floats); the output row is the T
 * table rows of those ids, concatenated (T * DIM values). The table is [VOCAB, DIM]. Ids are data, not
 * differentiable, so there is no input gradient and the layer must come first; the table gradient is
 * scatter-added in FP32, rows in order. Initialisation: every entry normal with mean 0 and standard
 * deviation {@code 1 / sqrt(DIM)} (Box-Muller on {@code nextDouble}), so a row has expected squared norm 1.
 */
public record EmbeddingSpec(int vocabulary, int dimension) implements LayerSpec {
    public static final String KIND = "embedding";

    public EmbeddingSpec {
        if (vocabulary <= 0 || dimension <= 0) {
            throw new IllegalArgumentException(KIND + ": vocabulary and dimension must be positive, got "
                    + vocabulary + " and " + dimension);
        }
        if ((long) vocabulary * dimension > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(KIND + ": a table of " + vocabulary + " x " + dimension + " does not fit one buffer");
        }
    }

    @Override
    public String toSpec() {
        return KIND + " " + vocabulary + " " + dimension;
    }

    @Override
    public int outputSize(int inputSize) {
        if (inputSize <= 0) {
            throw new IllegalArgumentException(toSpec() + ": input size (tokens per row) must be positive, got " + inputSize);
        }
        long size = (long) inputSize * dimension;
        if (size > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(toSpec() + ": " + inputSize + " tokens of " + dimension + " values do not fit a row");
        }
        return (int) size;
    }

    @Override
    public List<ParamShape> parameterShapes(int inputSize) {
        outputSize(inputSize);
        return List.of(new ParamShape("table", vocabulary, dimension));
    }

    @Override
    public void initialize(int inputSize, float[] params, int offset, SplittableRandom random) {
        outputSize(inputSize);
        int size = vocabulary * dimension;
        Checks.requireParams(toSpec(), params, offset, size);
        double std = 1.0 / Math.sqrt(dimension);
        for (int i = 0; i < size; i += 2) {
            double radius = Math.sqrt(-2.0 * Math.log(1.0 - random.nextDouble()));
            double angle = 2.0 * Math.PI * random.nextDouble();
            params[offset + i] = (float) (std * radius * Math.cos(angle));
            if (i + 1 < size) {
                params[offset + i + 1] = (float) (std * radius * Math.sin(angle));
            }
        }
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        outputSize(inputSize);
        return new EmbeddingLayer(toSpec(), vocabulary, dimension, inputSize, paramOffset);
    }
}
