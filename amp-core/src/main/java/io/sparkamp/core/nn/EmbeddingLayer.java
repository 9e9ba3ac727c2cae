package io.sparkamp.core.nn;

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
    public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
        Checks.requireForward(spec, ids);
        Checks.requireSameRows(spec, ids.length / tokens, rows);
        Checks.requireRows(spec, "output gradient", gradOutput, rows, tokens * dimension);
        Checks.requireParams(spec, paramGrads, tableOffset, vocabulary * dimension);
        if (needInputGrad) {
            throw new IllegalArgumentException(spec + ": token ids have no gradient; an embedding must be the first layer");
        }
        for (int i = 0; i < ids.length; i++) {
            int row = tableOffset + ids[i] * dimension;
            int src = i * dimension;
            for (int d = 0; d < dimension; d++) {
                paramGrads[row + d] += gradOutput[src + d];
            }
        }
        return null;
    }

    @Override
    public long savedActivationBytes() {
        return ids == null ? 0 : 4L * ids.length;
    }
}
