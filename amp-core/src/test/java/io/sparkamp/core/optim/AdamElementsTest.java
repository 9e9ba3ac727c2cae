package io.sparkamp.core.optim;

import io.sparkamp.core.numeric.Vectorization;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Vector API Adam loop gives the scalar loop's bits, element for element: on ranges that start and
 * end off the vector width, with coupled and decoupled decay, and on awkward values (zeros of both signs,
 * subnormal and huge gradients, moments at zero, NaN and infinite gradients). Skipped, with the reason,
 * where the incubator module is absent.
 */
class AdamElementsTest {
    private static final float[] AWKWARD = {0f, -0f, Float.MIN_VALUE, -Float.MIN_NORMAL, 1e-30f, 3e38f, -3e38f, 1f, -1f,
            Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-8f, 6e-8f, 65504f};

    @Test
    void vectorLoopEqualsScalarLoopToTheBit() {
        Vectorization.Loaded<AdamElements> vector = Vectorization.load("io.sparkamp.core.optim.VectorAdamElements", AdamElements.class);
        Assumptions.assumeTrue(vector.instance() != null, vector::reason);
        SplittableRandom random = new SplittableRandom(11);
        int n = 1_003;
        double[][] decays = {{0, 1}, {0.01, 1}, {0, 1 - 1e-3 * 0.01}};
        for (double[] decay : decays) {
            float[] params = new float[n];
            float[] m = new float[n];
            float[] v = new float[n];
            for (int i = 0; i < n; i++) {
                params[i] = i % 17 == 0 ? AWKWARD[(i / 17) % AWKWARD.length] : (float) random.nextGaussian();
                m[i] = i % 5 == 0 ? 0f : (float) (random.nextGaussian() * 1e-3);
                v[i] = i % 7 == 0 ? 0f : (float) Math.abs(random.nextGaussian() * 1e-6);
            }
            float[] vParams = params.clone();
            float[] vM = m.clone();
            float[] vV = v.clone();
            for (int step = 1; step <= 3; step++) {
                float[] grads = new float[n];
                for (int i = 0; i < n; i++) {
                    grads[i] = i % 13 == 0 ? AWKWARD[(i / 13 + step) % AWKWARD.length] : (float) (random.nextGaussian() * 1e-3);
                }
                AdamElements.AdamCoefficients c = new AdamElements.AdamCoefficients(0.9, 0.999, 1e-8, decay[0],
                        Math.sqrt(1 - Math.pow(0.999, step)), 1e-3 / (1 - Math.pow(0.9, step)), decay[1]);
                int from = 3;
                int to = n - 5;
                new ScalarAdamElements().update(params, grads, m, v, from, to, c);
                vector.instance().update(vParams, grads, vM, vV, from, to, c);
                for (int i = 0; i < n; i++) {
                    String at = "decay " + decay[0] + "/" + decay[1] + " step " + step + " element " + i;
                    assertEquals(Float.floatToRawIntBits(params[i]), Float.floatToRawIntBits(vParams[i]), at + " parameter");
                    assertEquals(Float.floatToRawIntBits(m[i]), Float.floatToRawIntBits(vM[i]), at + " m");
                    assertEquals(Float.floatToRawIntBits(v[i]), Float.floatToRawIntBits(vV[i]), at + " v");
                }
            }
        }
    }
}
