package io.sparkamp.core.train;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.numeric.LowPrecisionBuffers;
import io.sparkamp.core.numeric.Precision;
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

    /**
     * The features of rows {@code rows[from..from + count)}: held as {@code wanted} (what the first layer
     * reads) when the source can give it, as stored otherwise.
     */
    Matrix features(RowSource source, int[] rows, int from, int count, Precision wanted) {
        Precision stored = source.featureStorage();
        Precision storage = wanted == Precision.FP32 ? Precision.FP32 : stored;
        Matrix x = workspace.matrix(this, "features", storage, count, source.featureCount());
        if (storage == stored) {
            source.gatherFeatures(rows, from, count, storage, x.buffer());
            return x;
        }
        // 16-bit rows for an FP32 first layer: copy the codes of the scattered rows first (a plain memory copy
        // per row, which keeps many cache misses in flight), then widen the contiguous block while it is in
        // cache. Widening row by row straight from the cached batches ran at a fraction of that speed.
        Matrix codes = workspace.matrix(this, "featureCodes", stored, count, source.featureCount());
        source.gatherFeatures(rows, from, count, stored, codes.buffer());
        LowPrecisionBuffers.decode(stored, codes.buffer(), 0, x.buffer(), 0, x.size());
        return x.markRoundedTo(stored);
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
