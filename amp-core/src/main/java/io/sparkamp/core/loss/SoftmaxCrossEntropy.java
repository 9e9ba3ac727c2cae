package io.sparkamp.core.loss;

import io.sparkamp.core.ops.Reductions;

/**
 * {@code softmax_ce}: softmax over the outputs then cross-entropy with an integer class target (one
 * target value per row, the class index). Per row {@code logsumexp(x) - x[target]}, computed in double
 * with the maximum subtracted so large logits do not overflow. Gradient {@code softmax(x) - onehot}.
 */
public final class SoftmaxCrossEntropy extends FusedLoss {
    public static final String NAME = "softmax_ce";

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
        double total = 0.0;
        double[] exps = new double[outputSize]; // one exp per logit, reused by the gradient
        for (int r = 0; r < rows; r++) {
            int base = r * outputSize;
            int target = (int) targets[r];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < outputSize; j++) {
                max = Math.max(max, output[base + j]);
            }
            double expSum = 0.0;
            for (int j = 0; j < outputSize; j++) {
                exps[j] = Math.exp(output[base + j] - max);
                expSum += exps[j];
            }
            total += max + Math.log(expSum) - output[base + target];
            if (gradOutput != null) {
                for (int j = 0; j < outputSize; j++) {
                    gradOutput[base + j] = (float) (gradFactor * (exps[j] / expSum - (j == target ? 1.0 : 0.0)));
                }
            }
        }
        return total;
    }
}
