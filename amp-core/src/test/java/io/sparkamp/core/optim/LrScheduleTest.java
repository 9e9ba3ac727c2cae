package io.sparkamp.core.optim;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LrScheduleTest {

    private static void assertRejected(String message, Executable build) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, build).getMessage());
    }

    @Test
    void constantIsConstant() {
        LrSchedule s = ScheduleConfig.constant(0.01f).create();
        assertEquals(0.01f, s.lrAt(0));
        assertEquals(0.01f, s.lrAt(1_000_000));
        assertEquals("constant(lr=0.01)", s.describe());
    }

    @Test
    void cosineWarmsUpLinearlyThenDecaysToMin() {
        float base = 0.1f;
        float min = 0.002f;
        LrSchedule s = ScheduleConfig.cosine(base, 100, 1100, min).create();
        assertEquals(0f, s.lrAt(0), "warm-up starts at 0");
        assertEquals(base * 0.25f, s.lrAt(25), 1e-9f);
        assertEquals(base, s.lrAt(100), "warm-up ends at the base rate");
        assertEquals((base + min) / 2, s.lrAt(600), 1e-7f * base, "halfway through the decay");
        // a quarter of the way: min + (base - min) * (1 + cos(pi/4)) / 2
        assertEquals(min + (base - min) * (1 + Math.sqrt(0.5)) / 2, s.lrAt(350), 1e-7 * base);
        assertEquals(min, s.lrAt(1100));
        assertEquals(min, s.lrAt(5000), "constant min after the total");
        float previous = Float.MAX_VALUE;
        for (long step = 100; step <= 1100; step++) {
            float lr = s.lrAt(step);
            assertTrue(lr <= previous, "not decreasing at " + step);
            previous = lr;
        }
    }

    @Test
    void cosineWithoutWarmUpStartsAtBase() {
        LrSchedule s = ScheduleConfig.cosine(1f, 0, 10, 0f).create();
        assertEquals(1f, s.lrAt(0));
        assertEquals(0.5f, s.lrAt(5), 1e-7f);
        assertEquals(0f, s.lrAt(10));
    }

    @Test
    void stepDecaysByGammaEveryStepSize() {
        LrSchedule s = ScheduleConfig.step(0.1f, 30, 0.5f).create();
        assertEquals(0.1f, s.lrAt(0));
        assertEquals(0.1f, s.lrAt(29));
        assertEquals((float) (0.1f * 0.5), s.lrAt(30));
        assertEquals((float) (0.1f * 0.25), s.lrAt(89));
        assertEquals((float) (0.1f * Math.pow(0.5, 10)), s.lrAt(300));
    }

    @Test
    void lrAtIsAPureFunctionOfTheStep() {
        LrSchedule s = ScheduleConfig.cosine(0.1f, 10, 100, 0f).create();
        float at50 = s.lrAt(50);
        s.lrAt(99);
        s.lrAt(3);
        assertEquals(at50, s.lrAt(50));
        assertEquals(at50, ScheduleConfig.cosine(0.1f, 10, 100, 0f).create().lrAt(50));
        assertRejected("lrAt: optimizer step must be >= 0, got -1", () -> s.lrAt(-1));
    }

    @Test
    void invalidSettingsAreNamed() {
        assertRejected("schedule.kind must be one of constant, cosine, step, got 'linear'",
                () -> new ScheduleConfig("linear", 0.1f, 0, 10, 0f, 1, 1f).create());
        assertRejected("schedule.base-lr must be a finite number > 0, got 0.0", () -> ScheduleConfig.constant(0f));
        assertRejected("schedule.warmup-steps must be < schedule.total-steps (100), got 100",
                () -> ScheduleConfig.cosine(0.1f, 100, 100, 0f));
        assertRejected("schedule.total-steps must be >= 1, got 0", () -> ScheduleConfig.cosine(0.1f, 0, 0, 0f));
        assertRejected("schedule.min-lr must be within [0, schedule.base-lr] = [0, 0.1], got 0.2",
                () -> ScheduleConfig.cosine(0.1f, 0, 10, 0.2f));
        assertRejected("schedule.step-size must be >= 1, got 0", () -> ScheduleConfig.step(0.1f, 0, 0.5f));
        assertRejected("schedule.gamma must be in (0, 1], got 1.5", () -> ScheduleConfig.step(0.1f, 10, 1.5f));
        assertRejected("schedule.warmup-steps applies to cosine only, got 5 for schedule.kind step",
                () -> new ScheduleConfig("step", 0.1f, 5, 0, 0f, 10, 0.5f));
    }
}
