package io.sparkamp.core.scaling;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ScalerConfigTest {

    private static void assertRejected(String message, Executable build) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, build);
        assertEquals(message, e.getMessage());
    }

    private static ScalerConfig dyn(float init, float growth, float backoff, int interval, int hysteresis,
                                    float min, float max, int skips) {
        return new ScalerConfig(ScalingMode.DYNAMIC, init, growth, backoff, interval, hysteresis, min, max, skips);
    }

    @Test
    void dynamicDefaultsFollowGradScaler() {
        ScalerConfig c = ScalerConfig.dynamicDefaults();
        assertEquals(new ScalerConfig(ScalingMode.DYNAMIC, 65536f, 2f, 0.5f, 2000, 1, 1f, (float) (1 << 24), 50), c);
    }

    @Test
    void invalidSettingsAreNamedWithTheBadValue() {
        assertRejected("loss-scale.growth-factor must be > 1, got 0.5", () -> dyn(8, 0.5f, 0.5f, 10, 1, 1, 32, 5));
        assertRejected("loss-scale.backoff-factor must be in (0, 1), got 1.0", () -> dyn(8, 2, 1f, 10, 1, 1, 32, 5));
        assertRejected("loss-scale.backoff-factor must be in (0, 1), got 0.0", () -> dyn(8, 2, 0f, 10, 1, 1, 32, 5));
        assertRejected("loss-scale.growth-interval must be >= 1, got 0", () -> dyn(8, 2, 0.5f, 0, 1, 1, 32, 5));
        assertRejected("loss-scale.hysteresis must be >= 1, got 0", () -> dyn(8, 2, 0.5f, 10, 0, 1, 32, 5));
        assertRejected("loss-scale.max-consecutive-skips must be >= 1, got 0", () -> dyn(8, 2, 0.5f, 10, 1, 1, 32, 0));
        assertRejected("loss-scale.min-scale must be a finite number > 0, got 0.0", () -> dyn(8, 2, 0.5f, 10, 1, 0, 32, 5));
        assertRejected("loss-scale.max-scale must be >= loss-scale.min-scale (4.0), got 2.0",
                () -> dyn(3, 2, 0.5f, 10, 1, 4, 2, 5));
        assertRejected("loss-scale.initial-scale must be within [loss-scale.min-scale, loss-scale.max-scale] = "
                + "[1.0, 32.0], got 64.0", () -> dyn(64, 2, 0.5f, 10, 1, 1, 32, 5));
        assertRejected("loss-scale.initial-scale must be a finite number > 0, got NaN",
                () -> dyn(Float.NaN, 2, 0.5f, 10, 1, 1, 32, 5));
        assertRejected("loss-scale.initial-scale must be 1 when loss-scale.mode is none, got 8.0",
                () -> new ScalerConfig(ScalingMode.NONE, 8, 2, 0.5f, 10, 1, 1, 32, 5));
        assertRejected("loss-scale.mode must be one of none, static, dynamic, got null",
                () -> new ScalerConfig(null, 8, 2, 0.5f, 10, 1, 1, 32, 5));
    }

    @Test
    void parseAcceptsModesAndNumbers() {
        assertEquals(ScalerConfig.dynamicDefaults(), ScalerConfig.parse(" Dynamic "));
        assertEquals(ScalerConfig.none(), ScalerConfig.parse("none"));
        ScalerConfig fixed = ScalerConfig.parse("1024");
        assertEquals(ScalingMode.STATIC, fixed.mode());
        assertEquals(1024f, fixed.initialScale());
        assertEquals(ScalerConfig.fixed(0.5f), ScalerConfig.parse("0.5"));
    }

    @Test
    void parseRejectsWhatIsNotAScale() {
        for (String bad : new String[] {"dynamc", "-8", "0", "NaN", "Infinity", "1e40", ""}) {
            assertRejected("loss-scale must be 'dynamic', 'none' or a positive number, got '" + bad + "'",
                    () -> ScalerConfig.parse(bad));
        }
        assertRejected("loss-scale must be 'dynamic', 'none' or a positive number, got null",
                () -> ScalerConfig.parse(null));
    }

    @Test
    void scalerStateRejectsCorruptValues() {
        assertRejected("scaler-state.scale must be a finite number > 0, got -1.0", () -> new ScalerState(-1f, 0, 1, 0, 0));
        assertRejected("scaler-state.hysteresis-left must be >= 1, got 0", () -> new ScalerState(8f, 0, 0, 0, 0));
        assertRejected("scaler-state.total-skips must be >= consecutive-skips (3), got 2",
                () -> new ScalerState(8f, 0, 1, 3, 2));
    }
}
