package io.sparkamp.core.optim;

import java.util.SplittableRandom;

/** The Adam update loop the driver runs, over {@code size} parameters, for {@code VectorBoxingCheck}. */
public final class AdamUpdateProbe implements Runnable {
    private final AdamElements elements = AdamMoments.elements();
    private final float[] params;
    private final float[] grads;
    private final float[] m;
    private final float[] v;
    private final AdamElements.AdamCoefficients coefficients = new AdamElements.AdamCoefficients(0.9, 0.999, 1e-8, 0, 0.5, 1e-3, 1);

    public AdamUpdateProbe(int size) {
        SplittableRandom random = new SplittableRandom(3);
        params = new float[size];
        grads = new float[size];
        m = new float[size];
        v = new float[size];
        for (int i = 0; i < size; i++) {
            params[i] = (float) random.nextGaussian();
            grads[i] = (float) random.nextGaussian() * 1e-3f;
        }
    }

    /** The implementation that runs ("vector (8 double lanes)" or "scalar"). */
    public String name() {
        return elements.name();
    }

    @Override
    public void run() {
        elements.update(params, grads, m, v, 0, params.length, coefficients);
    }
}
