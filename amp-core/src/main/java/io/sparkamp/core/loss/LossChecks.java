package io.sparkamp.core.loss;

/** Shape and value checks the losses share; messages name the loss and the row. */
final class LossChecks {
    private LossChecks() {
    }

    static void requireShapes(String loss, float[] output, float[] targets, int rows, int outputSize, int targetWidth) {
        if (rows < 0 || outputSize <= 0) {
            throw new IllegalArgumentException(loss + ": bad batch shape, " + rows + " rows of " + outputSize + " outputs");
        }
        if (output != null && output.length < (long) rows * outputSize) {
            throw new IllegalArgumentException(loss + ": output has " + output.length + " values, " + rows + " rows of "
                    + outputSize + " need " + (long) rows * outputSize);
        }
        if (targets == null || targets.length < (long) rows * targetWidth) {
            throw new IllegalArgumentException(loss + ": targets have " + (targets == null ? 0 : targets.length) + " values, "
                    + rows + " rows of " + targetWidth + " need " + (long) rows * targetWidth);
        }
    }

    static void requireGradient(String loss, float[] gradOutput, int rows, int outputSize) {
        if (gradOutput == null || gradOutput.length < (long) rows * outputSize) {
            throw new IllegalArgumentException(loss + ": gradient buffer has " + (gradOutput == null ? 0 : gradOutput.length)
                    + " values, " + rows + " rows of " + outputSize + " need " + (long) rows * outputSize);
        }
    }

    static void requireFinite(String loss, float[] targets, int rows, int width) {
        for (int i = 0; i < rows * width; i++) {
            if (!Float.isFinite(targets[i])) {
                throw new IllegalArgumentException(loss + ": target of row " + (i / width) + " (column " + (i % width)
                        + ") is " + targets[i] + ", not finite");
            }
        }
    }
}
