package io.sparkamp.core.optim;

/**
 * Adam with PyTorch {@code torch.optim.Adam} semantics: bias-corrected moments, eps added after the square root
 * of the bias-corrected second moment, and coupled L2 weight decay ({@code g + weightDecay * p} feeds the
 * moments). The update itself is in {@link AdamMoments}; moments are FP32 (see there for why).
 */
public final class Adam extends AdamFamily {
    public static final String KIND = "adam";

    public Adam(int parameterCount, OptimizerConfig config) {
        super(KIND, parameterCount, config);
    }

    @Override
    public void step(float[] params, float[] grads, float lr) {
        moments.step(params, grads, lr, weightDecay, 0.0);
    }
}
