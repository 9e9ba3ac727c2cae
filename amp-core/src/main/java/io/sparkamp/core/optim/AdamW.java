package io.sparkamp.core.optim;

/**
 * AdamW with PyTorch {@code torch.optim.AdamW} semantics: weight decay is decoupled from the gradient, the
 * parameter is first shrunk, {@code p = p - lr * weightDecay * p}, and then the plain Adam update is applied
 * (the moments never see the decay). So even a zero gradient shrinks the weights. Moments are FP32 (see
 * {@link AdamMoments}).
 */
public final class AdamW extends AdamFamily {
    public static final String KIND = "adamw";

    public AdamW(int parameterCount, OptimizerConfig config) {
        super(KIND, parameterCount, config);
    }

    @Override
    public void step(float[] params, float[] grads, float lr) {
        moments.step(params, grads, lr, 0.0, weightDecay);
    }
}
