package io.sparkamp.core.optim;

import java.util.List;
import java.util.Map;

/** Argument checks shared by the optimizers, so every one reports the same mistakes the same way. */
final class OptimizerSupport {
    private OptimizerSupport() {
    }

    static void checkParameterCount(int parameterCount) {
        if (parameterCount < 1) {
            throw new IllegalArgumentException("optimizer parameter count must be >= 1, got " + parameterCount);
        }
    }

    static void checkConfig(OptimizerConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("optimizer config must not be null; use OptimizerConfig.defaults(kind)");
        }
    }

    static void checkStep(String kind, int parameterCount, float[] params, float[] grads, float lr) {
        if (params == null || grads == null) {
            throw new IllegalArgumentException(kind + ".step: params and grads must not be null");
        }
        if (params.length != parameterCount) {
            throw new IllegalArgumentException(kind + ".step: params has " + params.length
                    + " values but the optimizer was created for " + parameterCount + " parameters");
        }
        if (grads.length != parameterCount) {
            throw new IllegalArgumentException(kind + ".step: grads has " + grads.length
                    + " values but the optimizer was created for " + parameterCount + " parameters");
        }
        if (!(lr >= 0f) || !Float.isFinite(lr)) {
            throw new IllegalArgumentException(kind + ".step: lr must be a finite number >= 0, got " + lr);
        }
    }

    /** Checks that {@code state} fits an optimizer of {@code kind} with exactly {@code slotNames}, each {@code parameterCount} long. */
    static void checkRestore(String kind, int parameterCount, OptimizerState state, String... slotNames) {
        if (state == null) {
            throw new IllegalArgumentException(kind + ".restore: state must not be null");
        }
        if (!kind.equals(state.kind())) {
            throw new IllegalArgumentException(kind + ".restore: cannot restore optimizer state of kind '"
                    + state.kind() + "' into a '" + kind + "' optimizer");
        }
        Map<String, float[]> slots = state.slots();
        if (slots.size() != slotNames.length || !slots.keySet().containsAll(List.of(slotNames))) {
            throw new IllegalArgumentException(kind + ".restore: state has slots " + slots.keySet()
                    + " but this optimizer needs " + List.of(slotNames));
        }
        for (String name : slotNames) {
            int length = slots.get(name).length;
            if (length != parameterCount) {
                throw new IllegalArgumentException(kind + ".restore: slot '" + name + "' has " + length
                        + " values but this optimizer has " + parameterCount + " parameters");
            }
        }
    }
}
