package io.sparkamp.core.data;

/**
 * Rows held in two row-major float arrays. Every value must be finite: a NaN or infinite input would
 * only surface later as skipped steps, so it is refused here with its row and column.
 */
public final class ArrayRowSource implements RowSource {
    private final float[] features;
    private final float[] targets;
    private final int featureCount;
    private final int targetWidth;
    private final int rows;

    public ArrayRowSource(float[] features, int featureCount, float[] targets, int targetWidth) {
        if (featureCount <= 0 || targetWidth <= 0) {
            throw new IllegalArgumentException("feature count and target width must be positive, got " + featureCount + " and " + targetWidth);
        }
        if (features.length % featureCount != 0) {
            throw new IllegalArgumentException(features.length + " feature values do not split into rows of " + featureCount);
        }
        this.rows = features.length / featureCount;
        if (targets.length != (long) rows * targetWidth) {
            throw new IllegalArgumentException(rows + " rows need " + (long) rows * targetWidth + " target values, got " + targets.length);
        }
        requireFinite(features, featureCount, "feature");
        requireFinite(targets, targetWidth, "target");
        this.features = features;
        this.targets = targets;
        this.featureCount = featureCount;
        this.targetWidth = targetWidth;
    }

    private static void requireFinite(float[] values, int width, String what) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new IllegalArgumentException("row " + i / width + ", " + what + " " + i % width + " is " + values[i]
                        + " (inputs must be finite)");
            }
        }
    }

    /** Rows {@code [from, to)} of this source as a new source (copies). */
    public ArrayRowSource slice(int from, int to) {
        if (from < 0 || to > rows || from > to) {
            throw new IndexOutOfBoundsException("rows [" + from + ", " + to + ") outside [0, " + rows + ")");
        }
        float[] f = java.util.Arrays.copyOfRange(features, from * featureCount, to * featureCount);
        float[] t = java.util.Arrays.copyOfRange(targets, from * targetWidth, to * targetWidth);
        return new ArrayRowSource(f, featureCount, t, targetWidth);
    }

    @Override
    public int rowCount() {
        return rows;
    }

    @Override
    public int featureCount() {
        return featureCount;
    }

    @Override
    public int targetWidth() {
        return targetWidth;
    }

    @Override
    public void copyFeatures(int row, float[] dst, int off) {
        System.arraycopy(features, row * featureCount, dst, off, featureCount);
    }

    @Override
    public void copyTargets(int row, float[] dst, int off) {
        System.arraycopy(targets, row * targetWidth, dst, off, targetWidth);
    }
}
