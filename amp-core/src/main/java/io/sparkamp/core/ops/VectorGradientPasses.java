package io.sparkamp.core.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.MUL;

/**
 * {@link GradientPasses} on the Vector API, the same bits as {@link ScalarGradientPasses}: the unscale widens
 * to double lanes, multiplies and narrows, as the scalar cast does; a value is non-finite exactly when it
 * times zero is NaN, so the finite checks add {@code value * 0} into a vector and test it once at the end;
 * the sum of squares keeps the scalar loop's eight partial sums as eight double lanes (one 512-bit vector,
 * or two 256-bit ones) and adds them in its tree. Loaded by name only where the incubator module is present.
 */
final class VectorGradientPasses implements GradientPasses {
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> HALF_FLOATS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = DOUBLES.length();
    /** Whether the eight partial sums take two vectors (256-bit doubles) rather than one (512-bit). */
    private static final boolean TWO_HALVES = LANES == 4;

    VectorGradientPasses() {
        if (LANES != 4 && LANES != 8) {
            throw new UnsupportedOperationException(LANES + " double lanes: the eight partial sums need 4 or 8");
        }
    }

    @Override
    public String name() {
        return "vector (" + FLOATS.length() + " float lanes)";
    }

    @Override
    public boolean scaleAndCheck(float[] values, double factor) {
        int end = values.length / LANES * LANES;
        // Operands as vectors, not scalars: see VectorCodes on why a scalar operand can box every vector.
        FloatVector nan = FloatVector.zero(HALF_FLOATS);
        for (int i = 0; i < end; i += LANES) {
            DoubleVector wide = (DoubleVector) FloatVector.fromArray(HALF_FLOATS, values, i)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            FloatVector scaled = (FloatVector) wide.lanewise(MUL, DoubleVector.broadcast(DOUBLES, factor))
                    .convertShape(VectorOperators.D2F, HALF_FLOATS, 0);
            scaled.intoArray(values, i);
            nan = nan.lanewise(ADD, scaled.lanewise(MUL, FloatVector.zero(HALF_FLOATS)));
        }
        boolean tailFinite = ScalarGradientPasses.scaleAndCheck(values, end, values.length, factor);
        return !hasNaN(nan) && tailFinite;
    }

    /**
     * Whether a lane is NaN, as {@code v != v}: {@code test(IS_NAN)} goes through a lane reinterpretation
     * that JDK 17's C2 does not intrinsify once other vector shapes have run in the JVM (see VectorCodes).
     */
    private static boolean hasNaN(FloatVector v) {
        return v.compare(VectorOperators.NE, v).anyTrue();
    }

    @Override
    public double sumOfSquares(float[] values, int off, int count) {
        DoubleVector low = DoubleVector.zero(DOUBLES);
        DoubleVector high = DoubleVector.zero(DOUBLES);
        int end = off + count;
        int i = off;
        for (; i + 8 <= end; i += 8) {
            DoubleVector a = (DoubleVector) FloatVector.fromArray(HALF_FLOATS, values, i)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            low = low.lanewise(ADD, a.lanewise(MUL, a));
            if (TWO_HALVES) {
                DoubleVector b = (DoubleVector) FloatVector.fromArray(HALF_FLOATS, values, i + 4)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0);
                high = high.lanewise(ADD, b.lanewise(MUL, b));
            }
        }
        double[] sums = new double[8];
        low.intoArray(sums, 0);
        if (TWO_HALVES) {
            high.intoArray(sums, 4);
        }
        for (int lane = 0; i < end; i++, lane++) {
            double v = values[i];
            sums[lane] += v * v;
        }
        return Reductions.partialSumsTotal(sums);
    }
}
