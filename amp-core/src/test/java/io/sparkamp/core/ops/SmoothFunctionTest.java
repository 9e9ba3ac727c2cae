package io.sparkamp.core.ops;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The smooth activations' double arithmetic against the JDK's fdlibm ({@code StrictMath}): the exponentials in
 * ulps, tanh and the logistic relative, over values from subnormal to the ends of the clamp, and the special
 * values exact.
 */
class SmoothFunctionTest {
    @Test
    void expIsWithinTwoUlpsOfStrictMathOverItsRange() {
        assertWithinUlps("exp", DoubleExp::exp, StrictMath::exp, random -> random.nextDouble(-708, 709), 2);
        assertWithinUlps("exp near 0", DoubleExp::exp, StrictMath::exp, random -> random.nextDouble(-1, 1), 2);
        assertEquals(1.0, DoubleExp.exp(0.0), 0.0);
        assertEquals(1.0, DoubleExp.exp(-0.0), 0.0);
        assertEquals(StrictMath.exp(-708), DoubleExp.exp(Double.NEGATIVE_INFINITY), Math.ulp(StrictMath.exp(-708)),
                "clamped below at e^-708");
        assertTrue(Double.isNaN(DoubleExp.exp(Double.NaN)));
    }

    @Test
    void expm1IsWithinTwoUlpsOfStrictMathAndKeepsTinyValuesAndTheSignOfZero() {
        assertWithinUlps("expm1", DoubleExp::expm1, StrictMath::expm1, random -> random.nextDouble(-60, 60), 2);
        assertWithinUlps("expm1 near 0", DoubleExp::expm1, StrictMath::expm1, random -> random.nextDouble(-0.4, 0.4), 2);
        assertWithinUlps("expm1 tiny", DoubleExp::expm1, StrictMath::expm1,
                random -> Math.scalb(random.nextDouble(-1, 1), -random.nextInt(1070)), 2);
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(DoubleExp.expm1(-0.0)));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(DoubleExp.expm1(0.0)));
        assertEquals(-1.0, DoubleExp.expm1(Double.NEGATIVE_INFINITY), 0.0);
        assertTrue(Double.isNaN(DoubleExp.expm1(Double.NaN)));
    }

    /**
     * tanh from the exponential against fdlibm's: relative error at most 2^-49 from subnormal to 25, where the
     * float the layers store has 2^-24; the special values (both zeros, ±1 from 20 on, infinities) exact.
     */
    @Test
    void tanhMatchesStrictMathToWellBeyondFloat() {
        assertRelativeError("tanh", SmoothFunction::tanh, StrictMath::tanh, SmoothFunctionTest::tanhArgument, 0x1p-49);
        for (double x : new double[] {0.0, -0.0, Double.MIN_VALUE, -1e-300, 20, -20, 1e6, Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY}) {
            assertEquals(Double.doubleToRawLongBits(StrictMath.tanh(x)), Double.doubleToRawLongBits(SmoothFunction.tanh(x)),
                    "tanh(" + x + ")");
        }
        assertTrue(Double.isNaN(SmoothFunction.tanh(Double.NaN)));
    }

    @Test
    void sigmoidMatchesItsDefinitionInStrictMath() {
        assertRelativeError("sigmoid", SmoothFunction::sigmoid, x -> x >= 0 ? 1 / (1 + StrictMath.exp(-x))
                : StrictMath.exp(x) / (1 + StrictMath.exp(x)), random -> random.nextDouble(-700, 700), 0x1p-50);
        assertEquals(0.5, SmoothFunction.sigmoid(0.0), 0.0);
        assertEquals(1.0, SmoothFunction.sigmoid(Double.POSITIVE_INFINITY), 0.0);
        assertEquals(0f, (float) SmoothFunction.sigmoid(Double.NEGATIVE_INFINITY), 0f);
        assertEquals(0f, (float) SmoothFunction.sigmoid(-800), 0f);
        assertTrue(Double.isNaN(SmoothFunction.sigmoid(Double.NaN)));
    }

    /**
     * GELU and its derivative against the tanh formula in StrictMath where that formula keeps its digits, and against
     * the equal {@code x · sigmoid(2u)} and its derivative further out, to where they are a float 0 or 1.
     */
    @Test
    void geluAndItsDerivativeMatchTheFormulaInStrictMath() {
        double c = Math.sqrt(2 / Math.PI);
        DoubleUnaryOperator u = x -> c * (x + 0.044715 * x * x * x);
        assertRelativeError("gelu, tanh form", SmoothFunction.GELU::value, x -> 0.5 * x * (1 + StrictMath.tanh(u.applyAsDouble(x))),
                random -> random.nextDouble(-3, 8), 0x1p-45);
        DoubleUnaryOperator logistic = y -> y >= 0 ? 1 / (1 + StrictMath.exp(-y)) : StrictMath.exp(y) / (1 + StrictMath.exp(y));
        assertRelativeError("gelu, logistic form", SmoothFunction.GELU::value,
                x -> x * logistic.applyAsDouble(2 * u.applyAsDouble(x)), random -> random.nextDouble(-20, 8), 0x1p-49);
        // Absolute: the derivative (between -0.17 and 1.13) is 0 near x = -0.75.
        assertError("gelu', tanh form", SmoothFunction.GELU::derivative, x -> {
            double t = StrictMath.tanh(u.applyAsDouble(x));
            return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * c * (1 + 3 * 0.044715 * x * x);
        }, random -> random.nextDouble(-3, 3), 1, 0x1p-48);
        assertError("gelu', logistic form", SmoothFunction.GELU::derivative, x -> {
            double s = logistic.applyAsDouble(2 * u.applyAsDouble(x));
            return s + 2 * x * s * (1 - s) * c * (1 + 3 * 0.044715 * x * x);
        }, random -> random.nextDouble(-20, 20), 1, 0x1p-50);
        assertEquals(0f, (float) SmoothFunction.GELU.value(-30), 0f);
        assertEquals(30f, (float) SmoothFunction.GELU.value(30), 0f);
    }

    private static double tanhArgument(SplittableRandom random) {
        int kind = random.nextInt(4);
        return switch (kind) {
            case 0 -> random.nextDouble(-25, 25);
            case 1 -> random.nextDouble(-0.2, 0.2);
            case 2 -> random.nextDouble(-3, 3);
            default -> Math.scalb(random.nextDouble(-1, 1), -random.nextInt(1070));
        };
    }

    private interface Argument {
        double next(SplittableRandom random);
    }

    private static void assertWithinUlps(String what, DoubleUnaryOperator got, DoubleUnaryOperator want, Argument argument,
                                         double ulps) {
        assertError(what, got, want, argument, Math::ulp, "ulps", ulps);
    }

    private static void assertRelativeError(String what, DoubleUnaryOperator got, DoubleUnaryOperator want, Argument argument,
                                            double bound) {
        assertError(what, got, want, argument, 0, bound);
    }

    /** The worst {@code |got - want| / max(|want|, floor)} at most {@code bound} (relative above the floor). */
    private static void assertError(String what, DoubleUnaryOperator got, DoubleUnaryOperator want, Argument argument,
                                    double floor, double bound) {
        assertError(what, got, want, argument, expected -> Math.max(Math.abs(expected), floor), "error", bound);
    }

    /** The worst {@code |got - want| / unit(want)} over 400,000 arguments at most {@code bound} (0 / 0 counts as 0). */
    private static void assertError(String what, DoubleUnaryOperator got, DoubleUnaryOperator want, Argument argument,
                                    DoubleUnaryOperator unit, String unitName, double bound) {
        SplittableRandom random = new SplittableRandom(what.hashCode());
        double worst = 0;
        double worstAt = 0;
        for (int i = 0; i < 400_000; i++) {
            double x = argument.next(random);
            double expected = want.applyAsDouble(x);
            double difference = Math.abs(got.applyAsDouble(x) - expected);
            double error = difference == 0 ? 0 : difference / unit.applyAsDouble(expected);
            if (error > worst) {
                worst = error;
                worstAt = x;
            }
        }
        assertTrue(worst <= bound, what + ": " + unitName + " " + worst + " at " + worstAt);
    }
}
