package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Vectorization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the pointwise implementation once per JVM: the Vector API one where the incubator module is
 * present, else the scalar loops; logs which and, when falling back, why.
 */
final class ElementwiseKernels {
    private static final Logger LOG = LoggerFactory.getLogger(ElementwiseKernels.class);
    private static final String VECTOR_CLASS = "io.sparkamp.core.ops.VectorElementwise";
    private static final ElementwiseKernel SELECTED = select();

    private ElementwiseKernels() {
    }

    static ElementwiseKernel selected() {
        return SELECTED;
    }

    static ElementwiseKernel scalar() {
        return new ScalarElementwise();
    }

    /** The Vector API implementation, or the reason this JVM has none. */
    static Vectorization.Loaded<ElementwiseKernel> vector() {
        return Vectorization.load(VECTOR_CLASS, ElementwiseKernel.class);
    }

    private static ElementwiseKernel select() {
        Vectorization.Loaded<ElementwiseKernel> vector = vector();
        if (vector.instance() == null) {
            LOG.info("pointwise kernels: scalar ({})", vector.reason());
            return scalar();
        }
        LOG.info("pointwise kernels: {}", vector.instance().name());
        return vector.instance();
    }
}
