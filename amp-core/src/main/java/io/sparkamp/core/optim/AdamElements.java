package io.sparkamp.core.optim;

/**
 * The element loop of one Adam step over {@code [from, to)}: each element computed in double from the
 * FP32 values, in the order {@link AdamMoments} documents, and rounded once when stored, so every
 * implementation gives the same bits. The moments {@code m} and {@code v} are updated in place and their
 * rounded values used for the parameter.
 */
interface AdamElements {
    /** The implementation's name, for the log. */
    String name();

    /**
     * One step of elements {@code [from, to)}: {@code g = grad + coupledDecay * p}; the moments;
     * {@code p = p * shrink - stepSize * m / (sqrt(v) / biasCorrection2Sqrt + eps)}.
     */
    void update(float[] params, float[] grads, float[] m, float[] v, int from, int to, AdamCoefficients c);

    /** The per-step constants of the update. */
    record AdamCoefficients(double beta1, double beta2, double eps, double coupledDecay, double biasCorrection2Sqrt,
                            double stepSize, double shrink) {
    }
}
