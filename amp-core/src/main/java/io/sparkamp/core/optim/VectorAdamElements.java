package io.sparkamp.core.optim;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.DIV;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.SUB;

/**
 * {@link AdamElements} on the Vector API: as many elements per vector as a double vector holds, widened
 * from float lanes, computed with the scalar loop's operations in its order (IEEE add, multiply, divide
 * and square root are exactly rounded, lane by lane, so the bits are the scalar loop's), narrowed once.
 * The square root and division per parameter were most of the driver's serial time in a small step.
 * Loaded by name from {@link AdamMoments} only where the incubator module is present.
 */
final class VectorAdamElements implements AdamElements {
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    private static final int LANES = DOUBLES.length();

    private final ScalarAdamElements tail = new ScalarAdamElements();

    @Override
    public String name() {
        return "vector (" + LANES + " double lanes)";
    }

    @Override
    public void update(float[] params, float[] grads, float[] m, float[] v, int from, int to, AdamCoefficients c) {
        int end = from + (to - from) / LANES * LANES;
        loop(params, grads, m, v, from, end, c.beta1(), 1.0 - c.beta1(), c.beta2(), 1.0 - c.beta2(), c.eps(),
                c.coupledDecay(),
                c.biasCorrection2Sqrt(), c.stepSize(), c.shrink());
        tail.update(params, grads, m, v, end, to, c);
    }

    private static void loop(float[] params, float[] grads, float[] m, float[] v, int from, int end, double beta1,
                             double oneMinusBeta1, double beta2, double oneMinusBeta2, double eps, double coupledDecay,
                             double biasCorrection2Sqrt, double stepSize, double shrink) {
        // Conversions written out, no helper calls: a vector crossing a call C2 did not inline is boxed. The
        // coefficients are broadcast vectors, not scalar operands (see io.sparkamp.core.numeric.VectorCodes on
        // why); C2 hoists the broadcasts out of the loop.
        for (int i = from; i < end; i += LANES) {
            DoubleVector p = (DoubleVector) FloatVector.fromArray(FLOATS, params, i).convertShape(VectorOperators.F2D,
                    DOUBLES, 0);
            DoubleVector g = ((DoubleVector) FloatVector.fromArray(FLOATS, grads, i).convertShape(VectorOperators.F2D,
                    DOUBLES, 0))
                    .lanewise(ADD, p.lanewise(MUL, DoubleVector.broadcast(DOUBLES, coupledDecay)));
            DoubleVector m0 = (DoubleVector) FloatVector.fromArray(FLOATS, m, i).convertShape(VectorOperators.F2D, DOUBLES,
                    0);
            DoubleVector v0 = (DoubleVector) FloatVector.fromArray(FLOATS, v, i).convertShape(VectorOperators.F2D, DOUBLES,
                    0);
            FloatVector mNew = (FloatVector) m0.lanewise(MUL, DoubleVector.broadcast(DOUBLES, beta1)).lanewise(ADD,
                    g.lanewise(MUL, DoubleVector.broadcast(DOUBLES, oneMinusBeta1)))
                    .convertShape(VectorOperators.D2F, FLOATS, 0);
            FloatVector vNew = (FloatVector) v0.lanewise(MUL, DoubleVector.broadcast(DOUBLES, beta2)).lanewise(ADD,
                    g.lanewise(MUL, DoubleVector.broadcast(DOUBLES, oneMinusBeta2)).lanewise(MUL, g))
                    .convertShape(VectorOperators.D2F, FLOATS, 0);
            mNew.intoArray(m, i);
            vNew.intoArray(v, i);
            DoubleVector denominator = ((DoubleVector) vNew.convertShape(VectorOperators.F2D, DOUBLES, 0))
                    .lanewise(VectorOperators.SQRT).lanewise(DIV, DoubleVector.broadcast(DOUBLES, biasCorrection2Sqrt))
                    .lanewise(ADD, DoubleVector.broadcast(DOUBLES, eps));
            DoubleVector step = ((DoubleVector) mNew.convertShape(VectorOperators.F2D, DOUBLES, 0))
                    .lanewise(MUL, DoubleVector.broadcast(DOUBLES, stepSize)).lanewise(DIV, denominator);
            ((FloatVector) p.lanewise(MUL, DoubleVector.broadcast(DOUBLES, shrink))
                    .lanewise(SUB, step).convertShape(VectorOperators.D2F, FLOATS,
                    0)).intoArray(params, i);
        }
    }
}
