package io.sparkamp.core.numeric;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks the conversion implementation once per JVM: the Vector API one where the incubator module is
 * present, else the scalar loops; logs which and, when falling back, why.
 */
final class CodeConverters {
    private static final Logger LOG = LoggerFactory.getLogger(CodeConverters.class);
    private static final String VECTOR_CLASS = "io.sparkamp.core.numeric.VectorCodeConverter";
    private static final CodeConverter SELECTED = select();

    private CodeConverters() {
    }

    /** The implementation the facades use. */
    static CodeConverter selected() {
        return SELECTED;
    }

    /** The plain implementation. */
    static CodeConverter scalar() {
        return new ScalarCodeConverter();
    }

    /** The Vector API implementation, or the reason this JVM has none. */
    static Vectorization.Loaded<CodeConverter> vector() {
        return Vectorization.load(VECTOR_CLASS, CodeConverter.class);
    }

    private static CodeConverter select() {
        Vectorization.Loaded<CodeConverter> vector = vector();
        if (vector.instance() == null) {
            LOG.info("FP16/BF16 conversions: scalar ({})", vector.reason());
            return scalar();
        }
        LOG.info("FP16/BF16 conversions: {}", vector.instance().name());
        return vector.instance();
    }
}
