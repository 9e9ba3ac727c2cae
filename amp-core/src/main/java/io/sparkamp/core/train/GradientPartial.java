package io.sparkamp.core.train;

/**
 * What one worker (a Spark task or a local partition) sends back for one step: the FP32 gradient of
 * its rows (still multiplied by the loss scale), the loss sum, the row count, how many rows it got
 * right, whether anything was non-finite and how many gradient values underflowed when cast to 16 bits.
 * Partials are summed in a fixed order (partition index), so the result does not depend on which
 * task finishes first.
 */
public final class GradientPartial {
    private float[] gradients;
    private double lossSum;
    private long rows;
    private long correct;
    private boolean nonFinite;
    private long gradientValuesCast;
    private long gradientValuesUnderflowed;
    private long computeNanos;

    /** Kryo needs a no-argument constructor. */
    GradientPartial() {
    }

    /** An empty partial for a model with {@code parameterCount} parameters. */
    public GradientPartial(int parameterCount) {
        this.gradients = new float[parameterCount];
    }

    /** The summed, still scaled FP32 gradient. Callers may modify it in place (the driver unscales it). */
    public float[] gradients() {
        return gradients;
    }

    public double lossSum() {
        return lossSum;
    }

    public long rows() {
        return rows;
    }

    public long correct() {
        return correct;
    }

    public boolean nonFinite() {
        return nonFinite;
    }

    public long gradientValuesCast() {
        return gradientValuesCast;
    }

    public long gradientValuesUnderflowed() {
        return gradientValuesUnderflowed;
    }

    /**
     * Wall time the slowest worker spent computing (forward, backward, sampling): merging keeps the
     * maximum, which is the compute part of a step whose workers run in parallel.
     */
    public long computeNanos() {
        return computeNanos;
    }

    void recordComputeNanos(long nanos) {
        computeNanos = Math.max(computeNanos, nanos);
    }

    /** Adds one micro-batch's results (its gradients are already in {@link #gradients()}). */
    void addBatch(double batchLossSum, int batchRows, long batchCorrect, long cast, long underflowed) {
        lossSum += batchLossSum;
        rows += batchRows;
        correct += batchCorrect;
        gradientValuesCast += cast;
        gradientValuesUnderflowed += underflowed;
        if (!Double.isFinite(batchLossSum)) {
            nonFinite = true;
        }
    }

    /** Marks the partial non-finite when any gradient value is; called once when the partition is done. */
    void checkGradients() {
        for (float g : gradients) {
            if (!Float.isFinite(g)) {
                nonFinite = true;
                return;
            }
        }
    }

    /** Adds {@code other} into this partial (element-wise, in index order) and returns this. */
    public GradientPartial merge(GradientPartial other) {
        if (other.gradients.length != gradients.length) {
            throw new IllegalArgumentException("cannot merge gradients of " + other.gradients.length + " parameters into "
                    + gradients.length);
        }
        float[] mine = gradients;
        float[] theirs = other.gradients;
        for (int i = 0; i < mine.length; i++) {
            mine[i] += theirs[i];
        }
        lossSum += other.lossSum;
        rows += other.rows;
        correct += other.correct;
        nonFinite |= other.nonFinite;
        gradientValuesCast += other.gradientValuesCast;
        gradientValuesUnderflowed += other.gradientValuesUnderflowed;
        computeNanos = Math.max(computeNanos, other.computeNanos);
        return this;
    }

    /** Fraction of gradient values cast to 16 bits that underflowed to zero. */
    public double underflowFraction() {
        return gradientValuesCast == 0 ? 0.0 : (double) gradientValuesUnderflowed / gradientValuesCast;
    }
}
