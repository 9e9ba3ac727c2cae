package io.sparkamp.core.train;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

/**
 * Brings the rows of one micro-batch to the compute and the model's output back, in buffers reused from
 * one micro-batch and step to the next: the features gathered as stored (16-bit codes stay codes, one
 * memory copy per row) into a workspace matrix the first layer reads in place, the targets and the
 * output as floats for the loss.
 */
final class MicroBatchInput {
    private final Workspace workspace;
    private float[] targets = new float[0];
    private float[] outputs = new float[0];

    MicroBatchInput(Workspace workspace) {
        this.workspace = workspace;
    }

    /** The features of rows {@code rows[from..from + count)}, as {@link RowSource#featureStorage()}. */
    Matrix features(RowSource source, int[] rows, int from, int count) {
        Matrix x = workspace.matrix(this, "features", source.featureStorage(), count, source.featureCount());
        source.gatherFeatures(rows, from, count, x.buffer());
        return x;
    }

    /** The targets of the same rows, row-major in a reused array (longer than needed when a batch was larger). */
    float[] targets(RowSource source, int[] rows, int from, int count) {
        int width = source.targetWidth();
        targets = atLeast(targets, count * width);
        for (int i = 0; i < count; i++) {
            source.copyTargets(rows[from + i], targets, i * width);
        }
        return targets;
    }

    /** The model's output as floats, in a reused array. */
    float[] outputs(Matrix output) {
        outputs = atLeast(outputs, output.size());
        output.readFloats(outputs, 0);
        return outputs;
    }

    static float[] atLeast(float[] array, int size) {
        return array.length >= size ? array : new float[size];
    }

    /** Row indices {@code [first, first + count)}, for passes that read a source in order. */
    static int[] range(int first, int count) {
        int[] rows = new int[count];
        for (int i = 0; i < count; i++) {
            rows[i] = first + i;
        }
        return rows;
    }
}
