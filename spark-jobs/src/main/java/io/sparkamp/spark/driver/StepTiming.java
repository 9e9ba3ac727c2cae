package io.sparkamp.spark.driver;

/**
 * Wall-clock parts of one step on the driver: the whole step, the distributed part (broadcast, tasks,
 * collection of partials) and the bytes of weights broadcast.
 */
public record StepTiming(long totalNanos, long distributedNanos, long broadcastBytes) {
}
