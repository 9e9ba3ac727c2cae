package io.sparkamp.core.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A model large enough for Adam to update its parameters on several threads ends with the same bits as
 * an element-by-element update on one thread written out here: the same double arithmetic per element,
 * whatever range a thread took.
 */
class AdamThreadsTest {
    private static final int N = 300_001; // several ranges of 65,536, and a ragged last one

    @ParameterizedTest
    @ValueSource(strings = {"adam", "adamw"})
    void threadedUpdateEqualsOneThreadToTheBit(String kind) {
        OptimizerConfig c = OptimizerConfig.defaults(kind);
        double beta1 = c.beta1();
        double beta2 = c.beta2();
        SplittableRandom random = new SplittableRandom(3);
        float[] params = new float[N];
        for (int i = 0; i < N; i++) {
            params[i] = (float) random.nextGaussian();
        }
        float[] expected = params.clone();
        float[] m = new float[N];
        float[] v = new float[N];
        Optimizer optimizer = c.create(N);
        for (int step = 1; step <= 3; step++) {
            float[] grads = new float[N];
            for (int i = 0; i < N; i++) {
                grads[i] = (float) (random.nextGaussian() * 1e-3);
            }
            float lr = 0.001f * step;
            optimizer.step(params, grads.clone(), lr);
            double coupled = kind.equals("adam") ? c.weightDecay() : 0;
            double shrink = 1.0 - lr * (kind.equals("adamw") ? (double) c.weightDecay() : 0);
            double stepSize = lr / (1.0 - Math.pow(beta1, step));
            double correction2 = Math.sqrt(1.0 - Math.pow(beta2, step));
            for (int i = 0; i < N; i++) {
                double p = expected[i];
                double g = grads[i] + coupled * p;
                m[i] = (float) (beta1 * m[i] + (1.0 - beta1) * g);
                v[i] = (float) (beta2 * v[i] + (1.0 - beta2) * g * g);
                expected[i] = (float) (p * shrink - stepSize * m[i] / (Math.sqrt(v[i]) / correction2 + c.eps()));
            }
            assertArrayEquals(bits(expected), bits(params), kind + " step " + step);
        }
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
