package io.sparkamp.core.train;

/** Derives independent seeds from a run seed and coordinates (step, partition, ...), SplitMix64-style. */
public final class Seeds {
    private Seeds() {
    }

    /** A well-mixed seed for the given coordinates; different coordinates give unrelated streams. */
    public static long mix(long seed, long... coordinates) {
        long h = seed;
        for (long c : coordinates) {
            h = splitMix(h ^ splitMix(c + 0x9E3779B97F4A7C15L));
        }
        return h;
    }

    private static long splitMix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
