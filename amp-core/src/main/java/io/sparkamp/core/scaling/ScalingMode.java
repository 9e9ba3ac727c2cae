package io.sparkamp.core.scaling;

/**
 * How the loss is scaled before the backward pass.
 *
 * <ul>
 *   <li>{@link #NONE}: scale 1, a pass-through that still detects non-finite gradients, so FP32, BF16 and FP16
 *       runs share one step path (PyTorch's {@code GradScaler(enabled=False)} idea).</li>
 *   <li>{@link #STATIC}: a fixed scale that never changes.</li>
 *   <li>{@link #DYNAMIC}: backs off on overflow, grows after a streak of clean steps.</li>
 * </ul>
 */
public enum ScalingMode {
    NONE,
    STATIC,
    DYNAMIC
}
