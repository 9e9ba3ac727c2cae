package io.sparkamp.core.optim;

/**
 * Adam with PyTorch {@code torch.optim.Adam} semantics: bias-corrected moments, eps added after the square root
 * of the bias-corrected second moment, and coupled L2 weight decay ({@code g + weightDecay * p} feeds the
 * moments). The update itself is in {@link AdamMoments}; moments are FP32 (see there for why).
 */
public final class Adam implements Optimizer {
    public static final String KIND = "adam";

    private final AdamMoments moments;
    private final double weightDecay;

    public Adam(int parameterCount, OptimizerConfig config) {
        this.moments = new AdamMoments(KIND, parameterCount, config);
        this.weightDecay = config.weightDecay();
    }

    @Override
    public String name() {
        return KIND;
    }

    public int parameterCount() {
        return moments.parameterCount();
    }

    @Override
    public void step(float[] params, float[] grads, float lr) {
        moments.step(params, grads, lr, weightDecay, 0.0);
    }

    @Override
    public OptimizerState state() {
        return moments.state();
    }

    @Override
    public void restore(OptimizerState state) {
        moments.restore(state);
    }
}
