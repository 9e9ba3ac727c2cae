package io.sparkamp.core.train;

/**
 * Wall-clock parts of one step: the whole step on the driver, the part spent getting the partials from
 * the {@link GradientSource} (for Spark: broadcast, tasks, collection), the slowest worker's own compute
 * time, and the bytes of weights sent to the workers. Everything in the step that is not worker compute
 * is transport overhead plus the driver's update.
 */
public record StepTiming(long totalNanos, long distributedNanos, long computeNanos, long broadcastBytes) {
    /** Fraction of the step spent outside executor compute (broadcast, scheduling, aggregation, update). */
    public double overheadFraction() {
        return totalNanos <= 0 ? 0 : Math.max(0, totalNanos - computeNanos) / (double) totalNanos;
    }
}
