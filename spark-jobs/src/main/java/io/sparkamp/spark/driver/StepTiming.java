package io.sparkamp.spark.driver;

/**
 * Wall-clock parts of one step: the whole step on the driver, the distributed part (broadcast, tasks,
 * collection of partials), the slowest task's own compute time, and the bytes of weights broadcast.
 * Everything in the step that is not task compute is Spark overhead plus the driver's update.
 */
public record StepTiming(long totalNanos, long distributedNanos, long computeNanos, long broadcastBytes) {
    /** Fraction of the step spent outside executor compute (broadcast, scheduling, aggregation, update). */
    public double overheadFraction() {
        return totalNanos <= 0 ? 0 : Math.max(0, totalNanos - computeNanos) / (double) totalNanos;
    }
}
