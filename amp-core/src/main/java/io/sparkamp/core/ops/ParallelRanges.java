package io.sparkamp.core.ops;

import java.util.stream.IntStream;

/**
 * Runs an element-wise pass over {@code [0, count)} in contiguous ranges on the common fork-join pool, one range
 * per core, when there are enough elements to pay for the hand-off. For the driver's passes over every
 * parameter (the Adam update, the sum of the partials, the cast of the working weights): between steps the
 * tasks wait for the driver, so its passes are the step's serial part, and each is bound by memory bandwidth
 * that one core does not fill. Each element is computed by the same code whichever range it falls in, so the
 * result never depends on the number of cores.
 */
public final class ParallelRanges {
    /** The smallest range worth a thread of its own (256 KiB of floats: a few tens of microseconds of work). */
    static final int MIN_RANGE = 1 << 16;

    /** The work on one range. */
    @FunctionalInterface
    public interface RangeAction {
        void run(int from, int to);
    }

    private ParallelRanges() {
    }

    /** Calls {@code action} on ranges that cover {@code [0, count)} exactly once, in parallel when worth it. */
    public static void forEach(int count, RangeAction action) {
        int ranges = (int) Math.min(Runtime.getRuntime().availableProcessors(), (count + MIN_RANGE - 1L) / MIN_RANGE);
        if (ranges <= 1) {
            action.run(0, count);
            return;
        }
        IntStream.range(0, ranges).parallel().forEach(k -> action.run((int) ((long) k * count / ranges),
                (int) ((long) (k + 1) * count / ranges)));
    }
}
