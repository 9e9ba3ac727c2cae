package io.sparkamp.core.ops;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static jdk.incubator.vector.VectorOperators.ABS;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.DIV;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.NEG;
import static jdk.incubator.vector.VectorOperators.SUB;

/**
 * The smooth activations ({@link SmoothFunction}) on double lanes, operation for operation as its scalar methods
 * and {@link DoubleExp} compute them (the same bits). The chain for one value is about 60 operations, so it runs
 * as a pipeline of seven or eight short loops over a block of values held in small per-thread double arrays, each loop
 * compiled on its own (see {@link Stage}; docs/vector-code.md): the exponential's argument, its reduction, three
 * parts of its series, its scaling into {@code e^x} then the logistic (GELU, sigmoid) or {@code e^x - 1} then
 * tanh, then the function's value or gradient. Floats are widened on half-width float vectors with as many lanes.
 */
final class VectorSmoothPasses {
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Long> LONGS = VectorSpecies.of(long.class, DOUBLES.vectorShape());
    private static final VectorSpecies<Float> FLOATS_D = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    /** Values per block: the three arrays of a block take 12 KB, within the first-level cache. */
    private static final int BLOCK = 512;
    private static final ThreadLocal<Block> BLOCKS = ThreadLocal.withInitial(Block::new);

    /** One thread's arrays between the loops of a block. */
    private static final class Block {
        /** The exponential's argument, then its reduced argument r. */
        final double[] reduced = new double[BLOCK];
        /** The rounder sums, n in their low bits. */
        final double[] rounded = new double[BLOCK];
        /** The series, then e^x and the logistic, or e^x - 1 and tanh. */
        final double[] series = new double[BLOCK];
    }

    private VectorSmoothPasses() {
    }

    /**
     * One loop of a pipeline over a block: {@code x} the function's inputs (its values in place, forward), {@code dy}
     * the gradients (backward; null forward), {@code off} where the block starts in them.
     *
     * <p>Every stage runs from the one call site in {@link #run}, which so sees seven or more classes and is a
     * virtual call C2 does not inline: each stage's loop is compiled on its own. Called directly, C2 inlined the
     * whole pipeline into one method, ran out of its inlining budget there and boxed a vector on every
     * iteration of a loop (3 MB per 512x512 call in {@code VectorBoxingCheck}, and 2.5x the time).
     */
    private interface Stage {
        void run(float[] x, float[] dy, int off, Block b, int n);
    }

    private static final Stage[] EXP = {
        (x, dy, off, b, n) -> reduceLoop(b.reduced, b.rounded, n),
        (x, dy, off, b, n) -> highTermsLoop(b.reduced, b.series, n),
        (x, dy, off, b, n) -> middleTermsLoop(b.reduced, b.series, n),
        (x, dy, off, b, n) -> lowTermsLoop(b.reduced, b.series, n),
    };
    /** e^-|y| from the series, then the logistic of y (GELU, sigmoid). */
    private static final Stage[] TO_LOGISTIC = {
        (x, dy, off, b, n) -> expLoop(b.rounded, b.series, n),
        (x, dy, off, b, n) -> logisticLoop(x, off, b.series, n),
    };
    /** tanh from e^{2x} - 1 (tanh). */
    private static final Stage[] EXPM1_TO_TANH = {(x, dy, off, b, n) -> tanhLoop(b.rounded, b.series, n)};
    private static final Stage STORE = (x, dy, off, b, n) -> storeLoop(b.series, x, off, n);
    private static final Stage GELU_ARGUMENT = (x, dy, off, b, n) -> geluArgumentLoop(x, off, b.reduced, n);
    private static final Stage DOUBLED = (x, dy, off, b, n) -> doubledLoop(x, off, b.reduced, n);
    private static final Stage NEGATIVE_MAGNITUDE = (x, dy, off, b, n) -> negativeMagnitudeLoop(x, off, b.reduced, n);

    /** The forward pipelines, by SmoothFunction ordinal: the exponential's argument, e^x or tanh, the value. */
    private static final Stage[][] FORWARD = {
        pipeline(GELU_ARGUMENT, TO_LOGISTIC, (x, dy, off, b, n) -> geluValueLoop(x, off, b.series, n)),
        pipeline(DOUBLED, EXPM1_TO_TANH, STORE),
        pipeline(NEGATIVE_MAGNITUDE, TO_LOGISTIC, STORE),
    };
    /** The backward pipelines: the same up to the derivative times the gradient. */
    private static final Stage[][] BACKWARD = {
        pipeline(GELU_ARGUMENT, TO_LOGISTIC, (x, dy, off, b, n) -> geluGradientLoop(dy, x, off, b.series, n)),
        pipeline(DOUBLED, EXPM1_TO_TANH, (x, dy, off, b, n) -> tanhGradientLoop(dy, off, b.series, n)),
        pipeline(NEGATIVE_MAGNITUDE, TO_LOGISTIC, (x, dy, off, b, n) -> sigmoidGradientLoop(dy, off, b.series, n)),
    };

    private static Stage[] pipeline(Stage argument, Stage[] toFunction, Stage last) {
        Stage[] stages = new Stage[EXP.length + toFunction.length + 2];
        stages[0] = argument;
        System.arraycopy(EXP, 0, stages, 1, EXP.length);
        System.arraycopy(toFunction, 0, stages, 1 + EXP.length, toFunction.length);
        stages[stages.length - 1] = last;
        return stages;
    }

    /** {@code values[i] = (float) f.value(values[i])} for the whole vectors of {@code [off, off + count)}. */
    static int forward(SmoothFunction f, float[] values, int off, int count) {
        return run(FORWARD[f.ordinal()], values, null, off, count);
    }

    /**
     * {@code grads[i] = (float) (grads[i] · f.derivative(inputs[i]))} for the whole vectors of
     * {@code [off, off + count)}.
     */
    static int backward(SmoothFunction f, float[] grads, float[] inputs, int off, int count) {
        return run(BACKWARD[f.ordinal()], inputs, grads, off, count);
    }

    /** Runs the stages block by block over the whole vectors of {@code [off, off + count)}; returns how many values. */
    private static int run(Stage[] stages, float[] x, float[] dy, int off, int count) {
        int whole = count - count % DOUBLES.length();
        Block b = BLOCKS.get();
        for (int start = 0; start < whole; start += BLOCK) {
            int n = Math.min(BLOCK, whole - start);
            for (Stage stage : stages) {
                stage.run(x, dy, off + start, b, n);
            }
        }
        return whole;
    }

    /** {@code argument = -|2u|}, GELU's (SmoothFunction#geluArgument). */
    private static void geluArgumentLoop(float[] x, int off, double[] argument, int n) {
        DoubleVector scale = DoubleVector.broadcast(DOUBLES, SmoothFunction.SQRT_2_OVER_PI);
        DoubleVector cubic = DoubleVector.broadcast(DOUBLES, SmoothFunction.GELU_CUBIC);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector u = scale.lanewise(MUL, v.lanewise(ADD, cubic.lanewise(MUL, v).lanewise(MUL, v).lanewise(MUL, v)));
            u.lanewise(ADD, u).lanewise(ABS).lanewise(NEG).intoArray(argument, j);
        }
    }

    /** {@code argument = x + x} (tanh's). */
    private static void doubledLoop(float[] x, int off, double[] argument, int n) {
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            v.lanewise(ADD, v).intoArray(argument, j);
        }
    }

    /** {@code argument = -|x|} (the logistic's). */
    private static void negativeMagnitudeLoop(float[] x, int off, double[] argument, int n) {
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            v.lanewise(ABS).lanewise(NEG).intoArray(argument, j);
        }
    }

    /** In place: the clamped argument to r, its rounder sum into {@code rounded} (DoubleExp#reduced). */
    private static void reduceLoop(double[] reduced, double[] rounded, int n) {
        DoubleVector lowest = DoubleVector.broadcast(DOUBLES, DoubleExp.LOWEST);
        DoubleVector highest = DoubleVector.broadcast(DOUBLES, DoubleExp.HIGHEST);
        DoubleVector log2e = DoubleVector.broadcast(DOUBLES, DoubleExp.LOG2E);
        DoubleVector rounder = DoubleVector.broadcast(DOUBLES, DoubleExp.ROUNDER);
        DoubleVector ln2Hi = DoubleVector.broadcast(DOUBLES, DoubleExp.LN2_HI);
        DoubleVector ln2Lo = DoubleVector.broadcast(DOUBLES, DoubleExp.LN2_LO);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector x = DoubleVector.fromArray(DOUBLES, reduced, j).lanewise(MAX, lowest).lanewise(MIN, highest);
            DoubleVector t = x.lanewise(MUL, log2e).lanewise(ADD, rounder);
            DoubleVector k = t.lanewise(SUB, rounder);
            x.lanewise(SUB, k.lanewise(MUL, ln2Hi)).lanewise(SUB, k.lanewise(MUL, ln2Lo)).intoArray(reduced, j);
            t.intoArray(rounded, j);
        }
    }

    /** {@code series = highTerms(r)} (DoubleExp#highTerms). */
    private static void highTermsLoop(double[] reduced, double[] series, int n) {
        DoubleVector c13 = DoubleVector.broadcast(DOUBLES, DoubleExp.C13);
        DoubleVector c12 = DoubleVector.broadcast(DOUBLES, DoubleExp.C12);
        DoubleVector c11 = DoubleVector.broadcast(DOUBLES, DoubleExp.C11);
        DoubleVector c10 = DoubleVector.broadcast(DOUBLES, DoubleExp.C10);
        DoubleVector c9 = DoubleVector.broadcast(DOUBLES, DoubleExp.C9);
        DoubleVector c8 = DoubleVector.broadcast(DOUBLES, DoubleExp.C8);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector r = DoubleVector.fromArray(DOUBLES, reduced, j);
            DoubleVector q = c13.lanewise(MUL, r).lanewise(ADD, c12);
            q = q.lanewise(MUL, r).lanewise(ADD, c11);
            q = q.lanewise(MUL, r).lanewise(ADD, c10);
            q = q.lanewise(MUL, r).lanewise(ADD, c9);
            q.lanewise(MUL, r).lanewise(ADD, c8).intoArray(series, j);
        }
    }

    /** {@code series = series·r + 1/7!, ... , ·r + 1/4!}: the middle of the Horner chain (DoubleExp#expm1Reduced). */
    private static void middleTermsLoop(double[] reduced, double[] series, int n) {
        DoubleVector c7 = DoubleVector.broadcast(DOUBLES, DoubleExp.C7);
        DoubleVector c6 = DoubleVector.broadcast(DOUBLES, DoubleExp.C6);
        DoubleVector c5 = DoubleVector.broadcast(DOUBLES, DoubleExp.C5);
        DoubleVector c4 = DoubleVector.broadcast(DOUBLES, DoubleExp.C4);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector r = DoubleVector.fromArray(DOUBLES, reduced, j);
            DoubleVector q = DoubleVector.fromArray(DOUBLES, series, j).lanewise(MUL, r).lanewise(ADD, c7);
            q = q.lanewise(MUL, r).lanewise(ADD, c6);
            q = q.lanewise(MUL, r).lanewise(ADD, c5);
            q.lanewise(MUL, r).lanewise(ADD, c4).intoArray(series, j);
        }
    }

    /** {@code series = e^r - 1} from the chain so far: {@code ·r + 1/3!, ·r + 1/2!}, then {@code r·(q·r + 1)}. */
    private static void lowTermsLoop(double[] reduced, double[] series, int n) {
        DoubleVector c3 = DoubleVector.broadcast(DOUBLES, DoubleExp.C3);
        DoubleVector c2 = DoubleVector.broadcast(DOUBLES, DoubleExp.C2);
        DoubleVector one = DoubleVector.broadcast(DOUBLES, 1.0);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector r = DoubleVector.fromArray(DOUBLES, reduced, j);
            DoubleVector q = DoubleVector.fromArray(DOUBLES, series, j).lanewise(MUL, r).lanewise(ADD, c3);
            q = q.lanewise(MUL, r).lanewise(ADD, c2);
            r.lanewise(MUL, q.lanewise(MUL, r).lanewise(ADD, one)).intoArray(series, j);
        }
    }

    /** {@code series = tanh} from {@code e^{2u} - 1} (DoubleExp#expm1, SmoothFunction#tanh). */
    private static void tanhLoop(double[] rounded, double[] series, int n) {
        LongVector bias = LongVector.broadcast(LONGS, DoubleExp.EXPONENT_BIAS);
        DoubleVector one = DoubleVector.broadcast(DOUBLES, 1.0);
        DoubleVector two = DoubleVector.broadcast(DOUBLES, 2.0);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector p = (DoubleVector) ((LongVector) DoubleVector.fromArray(DOUBLES, rounded, j)
                    .reinterpretShape(LONGS, 0)).lanewise(ADD, bias).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretShape(DOUBLES, 0);
            DoubleVector em1 = DoubleVector.fromArray(DOUBLES, series, j);
            // n = 0 (2^n = 1): e^r - 1 itself, which keeps the sign of -0.
            DoubleVector e = p.lanewise(MUL, em1).lanewise(ADD, p.lanewise(SUB, one))
                    .blend(em1, p.compare(VectorOperators.EQ, one));
            e.lanewise(DIV, e.lanewise(ADD, two)).intoArray(series, j);
        }
    }

    /** {@code series = e^x} from {@code e^r - 1} (DoubleExp#exp). */
    private static void expLoop(double[] rounded, double[] series, int n) {
        LongVector bias = LongVector.broadcast(LONGS, DoubleExp.EXPONENT_BIAS);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector p = (DoubleVector) ((LongVector) DoubleVector.fromArray(DOUBLES, rounded, j)
                    .reinterpretShape(LONGS, 0)).lanewise(ADD, bias).lanewise(VectorOperators.LSHL, 52)
                    .reinterpretShape(DOUBLES, 0);
            p.lanewise(ADD, p.lanewise(MUL, DoubleVector.fromArray(DOUBLES, series, j))).intoArray(series, j);
        }
    }

    /**
     * In place, {@code e = e^-|y|} to the logistic of y, {@code (y < 0 ? e : 1) / (1 + e)}, y having the sign of x
     * (SmoothFunction#logistic: the sigmoid's y is x, GELU's is 2u).
     */
    private static void logisticLoop(float[] x, int off, double[] series, int n) {
        DoubleVector zero = DoubleVector.broadcast(DOUBLES, 0.0);
        DoubleVector one = DoubleVector.broadcast(DOUBLES, 1.0);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector e = DoubleVector.fromArray(DOUBLES, series, j);
            one.blend(e, v.compare(VectorOperators.LT, zero)).lanewise(DIV, one.lanewise(ADD, e)).intoArray(series, j);
        }
    }

    /** {@code x = (float) (x · s)} in place, s = sigmoid(2u) (SmoothFunction#GELU). */
    private static void geluValueLoop(float[] x, int off, double[] logistic, int n) {
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            ((FloatVector) v.lanewise(MUL, DoubleVector.fromArray(DOUBLES, logistic, j))
                    .convertShape(VectorOperators.D2F, FLOATS_D, 0)).intoArray(x, off + j);
        }
    }

    /** {@code out = (float) values}. */
    private static void storeLoop(double[] values, float[] out, int off, int n) {
        for (int j = 0; j < n; j += DOUBLES.length()) {
            ((FloatVector) DoubleVector.fromArray(DOUBLES, values, j).convertShape(VectorOperators.D2F, FLOATS_D, 0))
                    .intoArray(out, off + j);
        }
    }

    /** {@code dy = (float) (dy · (s + 2x·s(1 - s)·du/dx))} in place, s = sigmoid(2u) (SmoothFunction#GELU). */
    private static void geluGradientLoop(float[] dy, float[] x, int off, double[] logistic, int n) {
        DoubleVector scale = DoubleVector.broadcast(DOUBLES, SmoothFunction.SQRT_2_OVER_PI);
        DoubleVector cubic3 = DoubleVector.broadcast(DOUBLES, SmoothFunction.GELU_CUBIC_TIMES_3);
        DoubleVector one = DoubleVector.broadcast(DOUBLES, 1.0);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector v = (DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector s = DoubleVector.fromArray(DOUBLES, logistic, j);
            DoubleVector inner = scale.lanewise(MUL, one.lanewise(ADD, cubic3.lanewise(MUL, v).lanewise(MUL, v)));
            DoubleVector d = s.lanewise(ADD, v.lanewise(ADD, v).lanewise(MUL, s.lanewise(MUL, one.lanewise(SUB, s)))
                    .lanewise(MUL, inner));
            DoubleVector g = (DoubleVector) FloatVector.fromArray(FLOATS_D, dy, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            ((FloatVector) g.lanewise(MUL, d).convertShape(VectorOperators.D2F, FLOATS_D, 0)).intoArray(dy, off + j);
        }
    }

    /** {@code dy = (float) (dy · (1 - t·t))} in place. */
    private static void tanhGradientLoop(float[] dy, int off, double[] tanh, int n) {
        DoubleVector one = DoubleVector.broadcast(DOUBLES, 1.0);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector t = DoubleVector.fromArray(DOUBLES, tanh, j);
            DoubleVector g = (DoubleVector) FloatVector.fromArray(FLOATS_D, dy, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            ((FloatVector) g.lanewise(MUL, one.lanewise(SUB, t.lanewise(MUL, t))).convertShape(VectorOperators.D2F,
                    FLOATS_D, 0)).intoArray(dy, off + j);
        }
    }

    /** {@code dy = (float) (dy · s(1 - s))} in place, s = sigmoid(x) (SmoothFunction#SIGMOID). */
    private static void sigmoidGradientLoop(float[] dy, int off, double[] logistic, int n) {
        DoubleVector one = DoubleVector.broadcast(DOUBLES, 1.0);
        for (int j = 0; j < n; j += DOUBLES.length()) {
            DoubleVector s = DoubleVector.fromArray(DOUBLES, logistic, j);
            DoubleVector g = (DoubleVector) FloatVector.fromArray(FLOATS_D, dy, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            ((FloatVector) g.lanewise(MUL, s.lanewise(MUL, one.lanewise(SUB, s))).convertShape(VectorOperators.D2F,
                    FLOATS_D, 0)).intoArray(dy, off + j);
        }
    }
}
