package io.sparkamp.core.optim;

/**
 * An optimizer over one flat FP32 master parameter vector.
 *
 * <p>Lifecycle (as Tribuo documents its optimisers): an optimizer is <b>created</b> for a parameter count
 * ({@link OptimizerConfig#create(int)}), with its slots zeroed and its step count at 0; then
 * {@link #step} is called once per applied optimizer step (never for a step the loss scaler skipped);
 * {@link #state()} takes a snapshot at any time, and {@link #restore} replaces the whole state with one taken
 * earlier (e.g. from a checkpoint), after which steps continue bit-identically. Restoring a state of another
 * kind, or with a slot of another length, throws and names both.
 *
 * <p>All state stays FP32 whatever the training precision. Implementations are not thread-safe.
 */
public interface Optimizer {

    /** The kind: {@code sgd}, {@code adam} or {@code adamw}; also {@link OptimizerState#kind()}. */
    String name();

    /**
     * Updates {@code params} in place from unscaled FP32 {@code grads}.
     *
     * @param params master parameters, length = the parameter count
     * @param grads  unscaled, finite gradients (already clipped if clipping is on), same length
     * @param lr     the learning rate of this step, finite and &gt;= 0
     */
    void step(float[] params, float[] grads, float lr);

    /** A deep snapshot of the whole state; later steps do not change it. */
    OptimizerState state();

    /** Replaces the whole state with a deep copy of {@code state}. */
    void restore(OptimizerState state);
}
