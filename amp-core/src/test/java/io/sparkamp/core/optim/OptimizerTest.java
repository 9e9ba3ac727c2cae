package io.sparkamp.core.optim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each optimizer against a reference written here in double precision from the PyTorch update equations
 * (torch/optim/sgd.py, adam.py, adamw.py; single-tensor path, dampening 0, amsgrad off). The reference keeps
 * its state in double while the optimizers keep FP32 state, so after 10 steps they agree to
 * {@value #TOLERANCE} relative to max(1, |reference|): a few float roundings, while any wrong term (missing bias
 * correction, eps inside the root, decay coupled instead of decoupled) moves the result by about lr.
 */
class OptimizerTest {
    private static final double TOLERANCE = 1e-5;
    private static final int N = 7;
    private static final int STEPS = 10;

    private static float[] initialParams() {
        return new float[] {0.5f, -1.25f, 2.0f, 0.0f, -0.03f, 3.5f, -7.0f};
    }

    /** Gradients that change sign and magnitude per step and element; some near zero. */
    private static float[][] gradients(long seed) {
        Random random = new Random(seed);
        float[][] grads = new float[STEPS][N];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < N; i++) {
                grads[t][i] = (float) (random.nextGaussian() * Math.pow(10, -i % 3));
            }
        }
        return grads;
    }

    private static float lrAt(int t) {
        return 0.05f * (1 + t % 3);
    }

    private static double[] toDouble(float[] values) {
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static void assertClose(double[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            double allowed = TOLERANCE * Math.max(1.0, Math.abs(expected[i]));
            assertTrue(Math.abs(actual[i] - expected[i]) <= allowed,
                    what + " [" + i + "]: expected " + expected[i] + ", got " + actual[i]);
        }
    }

    // ---- references, double precision throughout ----

    private static double[] referenceSgd(OptimizerConfig c, float[][] grads) {
        double[] p = toDouble(initialParams());
        double[] buf = new double[N];
        double mu = c.momentum();
        double wd = c.weightDecay();
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < N; i++) {
                double d = grads[t][i] + wd * p[i];
                if (mu != 0) {
                    buf[i] = t == 0 ? d : mu * buf[i] + d;
                    d = c.nesterov() ? d + mu * buf[i] : buf[i];
                }
                p[i] -= (double) lrAt(t) * d;
            }
        }
        return p;
    }

    private static double[] referenceAdam(OptimizerConfig c, float[][] grads, boolean decoupled) {
        double[] p = toDouble(initialParams());
        double[] m = new double[N];
        double[] v = new double[N];
        double b1 = c.beta1();
        double b2 = c.beta2();
        double eps = c.eps();
        double wd = c.weightDecay();
        for (int t = 0; t < STEPS; t++) {
            int step = t + 1;
            double lr = lrAt(t);
            for (int i = 0; i < N; i++) {
                double g = grads[t][i];
                if (decoupled) {
                    p[i] = p[i] * (1 - lr * wd);
                } else {
                    g = g + wd * p[i];
                }
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mHat = m[i] / (1 - Math.pow(b1, step));
                double vHat = v[i] / (1 - Math.pow(b2, step));
                p[i] = p[i] - lr * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return p;
    }

    private static float[] run(OptimizerConfig config, float[][] grads) {
        Optimizer optimizer = config.create(N);
        float[] params = initialParams();
        for (int t = 0; t < STEPS; t++) {
            optimizer.step(params, grads[t].clone(), lrAt(t));
        }
        assertEquals(STEPS, optimizer.state().steps());
        return params;
    }

    @ParameterizedTest
    @ValueSource(floats = {0f, 0.9f, 0.5f})
    void sgdMatchesReference(float momentum) {
        float[][] grads = gradients(1);
        for (float wd : new float[] {0f, 0.1f}) {
            for (boolean nesterov : momentum == 0f ? new boolean[] {false} : new boolean[] {false, true}) {
                OptimizerConfig c = new OptimizerConfig("sgd", momentum, nesterov, 0.9f, 0.999f, 1e-8f, wd);
                assertClose(referenceSgd(c, grads), run(c, grads), c.toString());
            }
        }
    }

    @Test
    void sgdFirstStepUsesTheGradientAsMomentumBuffer() {
        Optimizer sgd = OptimizerConfig.defaults("sgd").create(N);
        float[] params = initialParams();
        float[] grad = gradients(2)[0];
        sgd.step(params, grad, 0.1f);
        float[] p0 = initialParams();
        for (int i = 0; i < N; i++) {
            assertEquals((float) (p0[i] - 0.1f * (double) grad[i]), params[i], "index " + i);
        }
        assertArrayEquals(grad, sgd.state().slots().get("momentum"));
    }

    @Test
    void nesterovDiffersFromPlainMomentum() {
        float[][] grads = gradients(3);
        OptimizerConfig plain = new OptimizerConfig("sgd", 0.9f, false, 0.9f, 0.999f, 1e-8f, 0f);
        OptimizerConfig nesterov = new OptimizerConfig("sgd", 0.9f, true, 0.9f, 0.999f, 1e-8f, 0f);
        float[] a = run(plain, grads);
        float[] b = run(nesterov, grads);
        for (int i = 0; i < N; i++) {
            assertTrue(Math.abs(a[i] - b[i]) > 1e-4, "index " + i + ": " + a[i] + " vs " + b[i]);
        }
        // the first step already differs: nesterov moves by lr * (1 + momentum) * g
        Optimizer opt = nesterov.create(N);
        float[] params = initialParams();
        opt.step(params, grads[0], 0.1f);
        assertEquals((float) (initialParams()[0] - 0.1f * (grads[0][0] + 0.9f * (double) grads[0][0])), params[0]);
    }

    @Test
    void adamMatchesReference() {
        float[][] grads = gradients(4);
        for (OptimizerConfig c : new OptimizerConfig[] {
                OptimizerConfig.defaults("adam"),
                new OptimizerConfig("adam", 0f, false, 0.8f, 0.95f, 1e-2f, 0.1f)}) {
            assertClose(referenceAdam(c, grads, false), run(c, grads), c.toString());
        }
    }

    @Test
    void adamWMatchesReference() {
        float[][] grads = gradients(5);
        for (OptimizerConfig c : new OptimizerConfig[] {
                OptimizerConfig.defaults("adamw"),
                new OptimizerConfig("adamw", 0f, false, 0.8f, 0.95f, 1e-2f, 0.3f)}) {
            assertClose(referenceAdam(c, grads, true), run(c, grads), c.toString());
        }
    }

    @Test
    void epsIsAddedAfterTheSquareRoot() {
        // one step, g = 0.01, eps = 0.01: PyTorch gives lr * 0.01 / (0.01 + 0.01) = lr / 2;
        // eps inside the root would give lr * 0.01 / sqrt(1e-4 + 0.01), about lr / 10
        Optimizer adam = new OptimizerConfig("adam", 0f, false, 0.9f, 0.999f, 0.01f, 0f).create(1);
        float[] params = {1f};
        adam.step(params, new float[] {0.01f}, 0.1f);
        assertEquals(1f - 0.05f, params[0], 1e-6f);
    }

    @Test
    void adamWDecayIsDecoupled() {
        float lr = 0.1f;
        float wd = 0.3f;
        float[] zero = new float[N];
        Optimizer adamw = OptimizerConfig.defaults("adamw").withWeightDecay(wd).create(N);
        float[] params = initialParams();
        adamw.step(params, zero, lr);
        float[] p0 = initialParams();
        for (int i = 0; i < N; i++) {
            assertEquals((float) (p0[i] * (1 - (double) lr * wd)), params[i], "index " + i);
        }
        assertArrayEquals(new float[N], adamw.state().slots().get("m"), "the decay never reaches the moments");

        Optimizer adam = OptimizerConfig.defaults("adam").withWeightDecay(wd).create(N);
        float[] coupled = initialParams();
        adam.step(coupled, zero, lr);
        // coupled L2 goes through Adam's normalisation: each nonzero weight moves by about lr, not lr*wd*p
        assertEquals(p0[6] + lr, coupled[6], 1e-5f);
        assertFalse(adam.state().slots().get("m")[6] == 0f);
    }

    @ParameterizedTest
    @ValueSource(strings = {"sgd", "adam", "adamw"})
    void stateRoundTripContinuesBitIdentically(String kind) {
        OptimizerConfig config = OptimizerConfig.defaults(kind).withWeightDecay(0.05f);
        float[][] grads = gradients(6);
        Optimizer original = config.create(N);
        float[] params = initialParams();
        for (int t = 0; t < 5; t++) {
            original.step(params, grads[t], lrAt(t));
        }
        OptimizerState saved = original.state();
        float[] savedParams = params.clone();
        Optimizer restored = config.create(N);
        restored.restore(saved);
        for (int t = 5; t < STEPS; t++) {
            original.step(params, grads[t], lrAt(t));
            restored.step(savedParams, grads[t], lrAt(t));
            assertArrayEquals(params, savedParams, "step " + t);
        }
        OptimizerState a = original.state();
        OptimizerState b = restored.state();
        assertEquals(a.steps(), b.steps());
        a.slots().forEach((name, values) -> assertArrayEquals(values, b.slots().get(name), name));
        // the snapshot taken at step 5 did not move with the later steps
        assertEquals(5, saved.steps());
        a.slots().forEach((name, values) -> assertFalse(java.util.Arrays.equals(values, saved.slots().get(name)), name));
    }

    @Test
    void restoreRejectsAnotherKindOrLength() {
        Optimizer adam = OptimizerConfig.defaults("adam").create(N);
        OptimizerState sgdState = OptimizerConfig.defaults("sgd").create(N).state();
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class, () -> adam.restore(sgdState));
        assertEquals("adam.restore: cannot restore optimizer state of kind 'sgd' into a 'adam' optimizer",
                kind.getMessage());
        OptimizerState shortState = new OptimizerState("adam", 3, Map.of("m", new float[5], "v", new float[5]));
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class, () -> adam.restore(shortState));
        assertTrue(length.getMessage().contains("has 5 values but this optimizer has 7 parameters"), length.getMessage());
        OptimizerState missing = new OptimizerState("adam", 3, Map.of("m", new float[N]));
        IllegalArgumentException slots = assertThrows(IllegalArgumentException.class, () -> adam.restore(missing));
        assertTrue(slots.getMessage().contains("[m, v]"), slots.getMessage());
    }

    @Test
    void stepRejectsMismatchedArraysAndBadLr() {
        Optimizer sgd = OptimizerConfig.defaults("sgd").create(N);
        IllegalArgumentException length = assertThrows(IllegalArgumentException.class,
                () -> sgd.step(new float[N], new float[N - 1], 0.1f));
        assertEquals("sgd.step: grads has 6 values but the optimizer was created for 7 parameters", length.getMessage());
        IllegalArgumentException lr = assertThrows(IllegalArgumentException.class,
                () -> sgd.step(new float[N], new float[N], Float.NaN));
        assertEquals("sgd.step: lr must be a finite number >= 0, got NaN", lr.getMessage());
    }

    @Test
    void copyIsDeep() {
        float[] m = {1f, 2f};
        OptimizerState state = new OptimizerState("adam", 1, Map.of("m", m, "v", new float[2]));
        OptimizerState copy = state.copy();
        m[0] = 9f;
        assertEquals(1f, copy.slots().get("m")[0]);
        assertEquals(9f, state.slots().get("m")[0]);
    }
}
