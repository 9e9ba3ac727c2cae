package io.sparkamp.core.loss;

import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.ops.Reductions;

/**
 * {@code softmax_ce}: softmax over the outputs then cross-entropy with an integer class target (one
 * target value per row, the class index). Per row {@code logsumexp(x) - x[target]}, with the row's maximum
 * subtracted so large logits do not overflow; gradient {@code softmax(x) - onehot}. The softmax runs in FP32
 * (autocast: exponentials are FP32, never 16-bit): the exponentials in one vectorised pass over the whole
 * batch ({@link Elementwise#exp}), the row sums in float; the loss is summed in double. A non-finite
 * logit (a 16-bit overflow upstream) makes the loss and the row's gradient NaN or infinite, so the step is
 * skipped.
 */
public final class SoftmaxCrossEntropy extends FusedLoss {
    public static final String NAME = "softmax_ce";
    private static final double LN2 = Math.log(2.0);

    public SoftmaxCrossEntropy() {
        super(NAME);
    }

    @Override
    public LabelRules labelRules(int outputSize) {
        return LabelRules.classification(outputSize);
    }

    @Override
    public boolean classifies() {
        return true;
    }

    @Override
    public long countCorrect(float[] output, float[] targets, int rows, int outputSize) {
        long correct = 0;
        for (int r = 0; r < rows; r++) {
            if (Reductions.argmaxRow(output, r, outputSize) == (int) targets[r]) {
                correct++;
            }
        }
        return correct;
    }

    @Override
    public int targetWidth(int outputSize) {
        return 1;
    }

    @Override
    void checkTargetValues(float[] targets, int rows, int outputSize) {
        for (int r = 0; r < rows; r++) {
            float t = targets[r];
            if (!(t >= 0f && t < outputSize) || t != Math.rint(t)) {
                throw new IllegalArgumentException(NAME + ": target of row " + r + " is " + t
                        + ", expected a class index, an integer in [0, " + outputSize + ")");
            }
        }
    }

    @Override
    double compute(float[] output, float[] targets, int rows, int outputSize, float gradFactor, float[] gradOutput) {
        int size = rows * outputSize;
        // Each row minus its maximum, exponentiated in place: in the gradient buffer when there is one.
        float[] exps = gradOutput != null ? gradOutput : new float[size];
        // Σ_r (max_r - x_r[target] + log expSum_r), its first two terms summed here.
        double shiftedTargets = 0.0;
        for (int r = 0; r < rows; r++) {
            int base = r * outputSize;
            float max = Float.NEGATIVE_INFINITY;
            // A compare instead of Math.max (2.7x faster here): a NaN logit is skipped, but NaN - max is NaN below.
            for (int j = 0; j < outputSize; j++) {
                float x = output[base + j];
                max = x > max ? x : max;
            }
            shiftedTargets += (double) max - output[base + (int) targets[r]];
            for (int j = 0; j < outputSize; j++) {
                exps[base + j] = output[base + j] - max;
            }
        }
        Elementwise.exp(exps, 0, size);
        // The logs as one log of the product of the row sums, each sum in [1, outputSize] (its largest term is
        // e^0 = 1), the product kept below 2^900 by moving its exponent into an integer: one Math.log per batch
        // instead of one per row (a log costs about as much as the rest of a row).
        double product = 1.0;
        long exponent = 0;
        for (int r = 0; r < rows; r++) {
            int base = r * outputSize;
            int target = (int) targets[r];
            float expSum = 0f;
            for (int j = 0; j < outputSize; j++) {
                expSum += exps[base + j];
            }
            product *= expSum;
            if (product > 0x1p900) {
                int e = Math.getExponent(product);
                exponent += e;
                product = Math.scalb(product, -e);
            }
            if (gradOutput != null) {
                float inverse = 1f / expSum;
                // exps is gradOutput: the target's probability is read before the row is overwritten.
                float targetProbability = exps[base + target] * inverse;
                for (int j = 0; j < outputSize; j++) {
                    gradOutput[base + j] = gradFactor * (exps[base + j] * inverse);
                }
                gradOutput[base + target] = gradFactor * (targetProbability - 1f);
            }
        }
        return shiftedTargets + (Math.log(product) + exponent * LN2);
    }
}
