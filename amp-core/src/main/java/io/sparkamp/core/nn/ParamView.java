package io.sparkamp.core.nn;

/** A named tensor inside the flat parameter buffer: where it starts and its shape. */
public record ParamView(String name, int offset, int rows, int cols) {
    /** Number of values. */
    public int size() {
        return rows * cols;
    }
}
