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
 * to double lanes, multiplies and narrows, as the scalar cast does; the sums of squares keep the scalar
 * loop's eight partial sums as eight double lanes (one 512-bit vector, or two 256-bit ones) and add them in
 * its tree. Loaded by name only where the incubator module is present.
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
    public double scaleAndSumSquares(float[] values, double factor) {
        // Operands as vectors, not scalars: see VectorCodes on why a scalar operand can box every vector.
        DoubleVector low = DoubleVector.zero(DOUBLES);
        DoubleVector high = DoubleVector.zero(DOUBLES);
        int end = values.length / 8 * 8;
        for (int i = 0; i < end; i += 8) {
            FloatVector a = (FloatVector) ((DoubleVector) FloatVector.fromArray(HALF_FLOATS, values, i)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0))
                    .lanewise(MUL, DoubleVector.broadcast(DOUBLES, factor))
                    .convertShape(VectorOperators.D2F, HALF_FLOATS, 0);
            a.intoArray(values, i);
            DoubleVector wideA = (DoubleVector) a.convertShape(VectorOperators.F2D, DOUBLES, 0);
            low = low.lanewise(ADD, wideA.lanewise(MUL, wideA));
            if (TWO_HALVES) {
                FloatVector b = (FloatVector) ((DoubleVector) FloatVector.fromArray(HALF_FLOATS, values, i + 4)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0))
                        .lanewise(MUL, DoubleVector.broadcast(DOUBLES, factor))
                        .convertShape(VectorOperators.D2F, HALF_FLOATS, 0);
                b.intoArray(values, i + 4);
                DoubleVector wideB = (DoubleVector) b.convertShape(VectorOperators.F2D, DOUBLES, 0);
                high = high.lanewise(ADD, wideB.lanewise(MUL, wideB));
            }
        }
        double[] sums = new double[8];
        low.intoArray(sums, 0);
        if (TWO_HALVES) {
            high.intoArray(sums, 4);
        }
        ScalarGradientPasses.scaleAndSumSquares(values, end, values.length, factor, sums);
        return Reductions.partialSumsTotal(sums);
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
