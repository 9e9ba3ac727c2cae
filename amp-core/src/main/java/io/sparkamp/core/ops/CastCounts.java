package io.sparkamp.core.ops;

/**
 * What one cast of FP32 values to 16 bits did: how many values were non-zero in FP32, and how many of
 * those became a (signed) zero — the underflow the loss scale exists to prevent.
 */
public record CastCounts(long nonZero, long underflowed) {
}
