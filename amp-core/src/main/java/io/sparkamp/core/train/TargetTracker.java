package io.sparkamp.core.train;

/**
 * Early stopping at a test accuracy: remembers the first evaluation that reached the target, with its
 * step and the training seconds spent until then (evaluation time excluded). A target of 0 never stops.
 */
public final class TargetTracker {
    private final double target;
    private long step = -1;
    private double seconds = Double.NaN;

    public TargetTracker(double target) {
        this.target = target;
    }

    public void record(long atStep, double accuracy, double trainingSeconds) {
        if (target > 0 && step < 0 && accuracy >= target) {
            step = atStep;
            seconds = trainingSeconds;
        }
    }

    public boolean reached() {
        return step >= 0;
    }

    public long step() {
        return step;
    }

    public double seconds() {
        return seconds;
    }
}
