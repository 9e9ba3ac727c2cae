package io.sparkamp.core.optim;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Stochastic gradient descent with PyTorch {@code torch.optim.SGD} semantics (dampening 0):
 *
 * <pre>
 *   d = g + weightDecay * p                      (coupled L2)
 *   if momentum != 0:
 *       buf = d                    on the first step
 *       buf = momentum * buf + d   afterwards
 *       d   = nesterov ? d + momentum * buf : buf
 *   p = p - lr * d
 * </pre>
 *
 * Each element is computed in double from the FP32 values and rounded once when stored. The momentum buffer is
 * FP32 whatever the training precision, like every optimizer slot here.
 */
public final class Sgd implements Optimizer {
    public static final String KIND = "sgd";
    static final String MOMENTUM = "momentum";

    private final int parameterCount;
    private final double momentum;
    private final boolean nesterov;
    private final double weightDecay;
    /** Null when momentum is 0: plain SGD keeps no state beyond the step count. */
    private float[] momentumBuffer;
    private long steps;

    public Sgd(int parameterCount, OptimizerConfig config) {
        OptimizerSupport.checkParameterCount(parameterCount);
        OptimizerSupport.checkConfig(config);
        if (!KIND.equals(config.kind())) {
            throw new IllegalArgumentException("Sgd needs optimizer.kind sgd, got " + config.kind());
        }
        this.parameterCount = parameterCount;
        this.momentum = config.momentum();
        this.nesterov = config.nesterov();
        this.weightDecay = config.weightDecay();
        this.momentumBuffer = momentum != 0 ? new float[parameterCount] : null;
    }

    @Override
    public String name() {
        return KIND;
    }

    public int parameterCount() {
        return parameterCount;
    }

    @Override
    public void step(float[] params, float[] grads, float lr) {
        OptimizerSupport.checkStep(KIND, parameterCount, params, grads, lr);
        boolean first = steps == 0;
        for (int i = 0; i < parameterCount; i++) {
            double d = grads[i] + weightDecay * params[i];
            if (momentumBuffer != null) {
                momentumBuffer[i] = (float) (first ? d : momentum * momentumBuffer[i] + d);
                d = nesterov ? d + momentum * momentumBuffer[i] : momentumBuffer[i];
            }
            params[i] = (float) (params[i] - lr * d);
        }
        steps++;
    }

    @Override
    public OptimizerState state() {
        Map<String, float[]> slots = new LinkedHashMap<>();
        if (momentumBuffer != null) {
            slots.put(MOMENTUM, momentumBuffer.clone());
        }
        return new OptimizerState(KIND, steps, slots);
    }

    @Override
    public void restore(OptimizerState state) {
        if (momentumBuffer != null) {
            OptimizerSupport.checkRestore(KIND, parameterCount, state, MOMENTUM);
            momentumBuffer = state.slots().get(MOMENTUM).clone();
        } else {
            OptimizerSupport.checkRestore(KIND, parameterCount, state);
        }
        steps = state.steps();
    }
}
