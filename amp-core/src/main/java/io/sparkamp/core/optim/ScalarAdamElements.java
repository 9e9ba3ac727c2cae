package io.sparkamp.core.optim;

/** {@link AdamElements} one element at a time: the reference, and the path where the Vector API is absent. */
final class ScalarAdamElements implements AdamElements {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void update(float[] params, float[] grads, float[] m, float[] v, int from, int to, AdamCoefficients c) {
        for (int i = from; i < to; i++) {
            double p = params[i];
            double g = grads[i] + c.coupledDecay() * p;
            m[i] = (float) (c.beta1() * m[i] + (1.0 - c.beta1()) * g);
            v[i] = (float) (c.beta2() * v[i] + (1.0 - c.beta2()) * g * g);
            double denominator = Math.sqrt(v[i]) / c.biasCorrection2Sqrt() + c.eps();
            params[i] = (float) (p * c.shrink() - c.stepSize() * m[i] / denominator);
        }
    }
}
