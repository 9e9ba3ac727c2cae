package io.sparkamp.core.optim;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The whole mutable state of an {@link Optimizer}: its kind, how many steps it has taken and its per-parameter
 * FP32 slots ({@code "momentum"} for SGD, {@code "m"} and {@code "v"} for Adam/AdamW), each as long as the
 * parameter vector. Plain enough to be written as Parquet columns.
 *
 * <p>The map is copied and unmodifiable, in the order given; the arrays are shared, so use {@link #copy()}
 * where a snapshot must not change.
 */
public record OptimizerState(String kind, long steps, Map<String, float[]> slots) {

    public OptimizerState {
        if (kind == null || kind.isBlank()) {
            throw new IllegalArgumentException("optimizer-state.kind must be set, got '" + kind + "'");
        }
        if (steps < 0) {
            throw new IllegalArgumentException("optimizer-state.steps must be >= 0, got " + steps);
        }
        if (slots == null) {
            throw new IllegalArgumentException("optimizer-state.slots must not be null (use an empty map)");
        }
        Map<String, float[]> ordered = new LinkedHashMap<>();
        slots.forEach((name, values) -> {
            if (values == null) {
                throw new IllegalArgumentException("optimizer-state slot '" + name + "' must not be null");
            }
            ordered.put(name, values);
        });
        slots = Collections.unmodifiableMap(ordered);
    }

    /** A deep copy: the slot arrays are cloned. */
    public OptimizerState copy() {
        Map<String, float[]> cloned = new LinkedHashMap<>();
        slots.forEach((name, values) -> cloned.put(name, values.clone()));
        return new OptimizerState(kind, steps, cloned);
    }
}
