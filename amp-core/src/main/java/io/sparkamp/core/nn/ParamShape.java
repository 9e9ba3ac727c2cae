package io.sparkamp.core.nn;

/** Name and shape of one parameter tensor of a layer, e.g. weight [784, 512]. Row-major. */
public record ParamShape(String name, int rows, int cols) {
    public ParamShape {
        if (rows <= 0 || cols <= 0) {
            throw new IllegalArgumentException("parameter " + name + ": shape must be positive, got " + rows + "x" + cols);
        }
    }

    /** Number of values. */
    public int size() {
        return rows * cols;
    }
}
