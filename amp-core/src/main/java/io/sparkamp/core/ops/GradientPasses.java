package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Vectorization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passes every step makes over the whole flat FP32 gradient (half a million values for the
 * Fashion-MNIST MLP): the driver's unscale fused with its finite check (of the sum of the partials: a
 * non-finite value in any partial makes the sum non-finite, so the workers do not check theirs) and the sum
 * of squares of the gradient norm; that sum of squares alone. A Vector API implementation where the
 * incubator module is present, else the scalar loops of {@link Reductions}; both give the same bits (the
 * tests compare them on every kind of value), so which one ran never changes a result.
 */
public interface GradientPasses {
    /** Short name for the log, e.g. "vector (16 float lanes)". */
    String name();

    /**
     * {@code values[i] = (float) (values[i] * factor)} for every i (the product in double, rounded once), and
     * the sum of squares of the results in {@link #sumOfSquares}'s order, so the same bits as that pass run
     * after this one. The driver's unscale, finite check and gradient norm in one read of the gradient: the
     * sum is non-finite exactly when a result is (the squares of finite floats, in double, cannot overflow
     * for any array Java can hold).
     *
     * @return the sum of squares of the scaled values; infinite or NaN when one of them is
     */
    double scaleAndSumSquares(float[] values, double factor);

    /** {@link Reductions#sumOfSquares}: the same eight partial sums, the same bits. */
    double sumOfSquares(float[] values, int off, int count);

    /** The implementation this JVM uses (chosen once, logged). */
    static GradientPasses selected() {
        return Selected.PASSES;
    }

    /** The scalar implementation, for tests and as the fallback. */
    static GradientPasses scalar() {
        return ScalarGradientPasses.INSTANCE;
    }

    /** Holds the choice, made on first use. */
    final class Selected {
        private static final Logger LOG = LoggerFactory.getLogger(GradientPasses.class);
        static final String VECTOR_CLASS = "io.sparkamp.core.ops.VectorGradientPasses";
        static final GradientPasses PASSES = Vectorization.choose("gradient passes", VECTOR_CLASS, GradientPasses.class,
                scalar(), LOG, GradientPasses::name);

        private Selected() {
        }
    }
}
