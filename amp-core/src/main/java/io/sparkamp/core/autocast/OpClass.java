package io.sparkamp.core.autocast;

/** The kinds of operation the autocast policy assigns a compute precision to. */
public enum OpClass {
    /** Matrix multiply (Linear forward and both backward products). */
    MATMUL,
    /** Cheap pointwise ops that keep values representable: ReLU, dropout masks, additions of bias. */
    POINTWISE,
    /** Sums, means, norms of gradients. */
    REDUCTION,
    /** exp/log families: softmax, sigmoid, tanh, GELU. */
    EXPONENTIAL,
    /** Normalisation layers (LayerNorm): mean and variance statistics. */
    NORM,
    /** Loss functions and their gradients. */
    LOSS
}
