package io.sparkamp.core.optim;

/**
 * What Adam and AdamW share: the FP32 moments and their update ({@link AdamMoments}), the weight decay,
 * the name and the state. They differ only in where the decay enters the update ({@link #step}).
 */
abstract class AdamFamily implements Optimizer {
    private final String kind;
    final AdamMoments moments;
    final double weightDecay;

    AdamFamily(String kind, int parameterCount, OptimizerConfig config) {
        this.kind = kind;
        this.moments = new AdamMoments(kind, parameterCount, config);
        this.weightDecay = config.weightDecay();
    }

    @Override
    public final String name() {
        return kind;
    }

    public final int parameterCount() {
        return moments.parameterCount();
    }

    @Override
    public final OptimizerState state() {
        return moments.state();
    }

    @Override
    public final void restore(OptimizerState state) {
        moments.restore(state);
    }
}
