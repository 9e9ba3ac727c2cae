package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/** The computing form of {@link EmbeddingSpec}: table lookups forward, FP32 scatter-add of the table gradient backward. */
final class EmbeddingLayer implements Layer, ActivationMemory {
    private final String spec;
    private final int vocabulary;
    private final int dimension;
    private final int tokens;
    private final int tableOffset;
    private int[] ids;

    EmbeddingLayer(String spec, int vocabulary, int dimension, int tokens, int tableOffset) {
        this.spec = spec;
        this.vocabulary = vocabulary;
        this.dimension = dimension;
        this.tokens = tokens;
        this.tableOffset = tableOffset;
    }

    @Override
    public int inputSize() {
        return tokens;
    }

    @Override
    public int outputSize() {
        return tokens * dimension;
    }

    @Override
    public String name() {
        return spec;
    }

    @Override
    public Matrix forward(ComputeContext ctx, Matrix input) {
        Checks.requireCols(spec, "input", input, tokens);
        float[] output = forward(ctx, input.toFloats(), input.rows());
        Matrix out = ctx.workspace().matrix(this, "output", Precision.FP32, input.rows(), tokens * dimension);
        out.writeFloats(output, 0);
        return out;
    }

    @Override
    public float[] forward(ComputeContext ctx, float[] input, int rows) {
        Checks.requireRows(spec, "input", input, rows, tokens);
        float[] table = ctx.weights().values();
        Checks.requireParams(spec, table, tableOffset, vocabulary * dimension);
        int count = rows * tokens;
        int[] tokenIds = new int[count];
        for (int i = 0; i < count; i++) {
            float value = input[i];
            if (!(value >= 0f && value < vocabulary) || value != Math.rint(value)) {
                throw new IllegalArgumentException(spec + ": row " + (i / tokens) + ", position " + (i % tokens)
                        + ": token id " + value + " is not an integer in [0, " + vocabulary + ")");
            }
            tokenIds[i] = (int) value;
        }
        float[] output = new float[count * dimension];
        for (int i = 0; i < count; i++) {
            System.arraycopy(table, tableOffset + tokenIds[i] * dimension, output, i * dimension, dimension);
        }
        ids = tokenIds;
        return output;
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireForward(spec, ids);
        Checks.requireSameRows(spec, ids.length / tokens, gradOutput.rows());
        Checks.requireCols(spec, "output gradient", gradOutput, tokens * dimension);
        Checks.requireParams(spec, paramGrads, tableOffset, vocabulary * dimension);
        if (needInputGrad) {
            throw new IllegalArgumentException(spec + ": token ids have no gradient; an embedding must be the first layer");
        }
        for (int i = 0; i < ids.length; i++) {
            int row = tableOffset + ids[i] * dimension;
            int src = i * dimension;
            for (int d = 0; d < dimension; d++) {
                paramGrads.set(row + d, paramGrads.get(row + d) + gradOutput.get(src + d));
            }
        }
        return null;
    }

    @Override
    public long savedActivationBytes() {
        return ids == null ? 0 : 4L * ids.length;
    }
}
