package io.sparkamp.core.nn;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

/** Argument checks shared by layers; messages name the layer and the sizes. */
final class Checks {
    private Checks() {
    }

    static void requireRows(String layer, String what, float[] values, int rows, int width) {
        if (values == null) {
            throw new IllegalArgumentException(layer + ": " + what + " is null");
        }
        if (rows < 0) {
            throw new IllegalArgumentException(layer + ": negative row count " + rows);
        }
        long needed = (long) rows * width;
        if (values.length < needed) {
            throw new IllegalArgumentException(layer + ": " + what + " has " + values.length + " values, "
                    + rows + " rows of " + width + " need " + needed);
        }
    }

    static void requireCols(String layer, String what, Matrix values, int width) {
        if (values.cols() != width) {
            throw new IllegalArgumentException(layer + ": " + what + " has rows of " + values.cols() + " values, expected " + width);
        }
    }

    static void requireParams(String layer, Matrix params, int offset, int size) {
        if (params.storage() != Precision.FP32 || offset < 0 || (long) offset + size > params.size()) {
            throw new IllegalArgumentException(layer + ": parameter gradient buffer " + params + " does not hold " + size
                    + " FP32 values at offset " + offset);
        }
    }

    static void requireParams(String layer, float[] params, int offset, int size) {
        if (params == null || offset < 0 || (long) offset + size > params.length) {
            throw new IllegalArgumentException(layer + ": parameter buffer of length "
                    + (params == null ? "null" : String.valueOf(params.length))
                    + " does not hold " + size + " values at offset " + offset);
        }
    }

    static void requireParams(String layer, int parameters, int offset, int size) {
        if (offset < 0 || (long) offset + size > parameters) {
            throw new IllegalArgumentException(layer + ": " + parameters + " parameters do not hold " + size
                    + " values at offset " + offset);
        }
    }

    static void requireForward(String layer, Object saved) {
        if (saved == null) {
            throw new IllegalStateException(layer + ": backward called before forward");
        }
    }

    static void requireSameRows(String layer, int forwardRows, int backwardRows) {
        if (forwardRows != backwardRows) {
            throw new IllegalArgumentException(layer + ": backward got " + backwardRows + " rows but the last forward had " + forwardRows);
        }
    }
}
