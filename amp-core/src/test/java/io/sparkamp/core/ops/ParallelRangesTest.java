package io.sparkamp.core.ops;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicIntegerArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The ranges cover every index exactly once, for counts below, at and past the size worth splitting. */
class ParallelRangesTest {
    @Test
    void everyIndexIsVisitedExactlyOnce() {
        int min = ParallelRanges.MIN_RANGE;
        for (int count : new int[] {0, 1, min - 1, min, min + 1, 2 * min, 5 * min + 3, 1_000_003}) {
            AtomicIntegerArray visits = new AtomicIntegerArray(count);
            ParallelRanges.forEach(count, (from, to) -> {
                for (int i = from; i < to; i++) {
                    visits.incrementAndGet(i);
                }
            });
            for (int i = 0; i < count; i++) {
                if (visits.get(i) != 1) {
                    assertEquals(1, visits.get(i), "count " + count + ": index " + i);
                }
            }
        }
    }
}
