package io.sparkamp.core.train;

/**
 * What one step did, for the metrics line: whether it was skipped (a non-finite gradient), the loss
 * scale it ran with and the one the next step gets, the unscaled gradient norm before clipping (NaN
 * when skipped), the learning rate used, the mean training loss and accuracy of its batch, and the
 * fraction of gradient values that underflowed in 16 bits.
 */
public record StepOutcome(long step, boolean skipped, float lossScale, float nextLossScale, double gradNorm,
                          float learningRate, double trainLoss, double trainAccuracy, long rows,
                          double underflowFraction) {
}
