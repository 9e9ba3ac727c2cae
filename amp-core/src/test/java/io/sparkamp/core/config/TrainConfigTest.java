package io.sparkamp.core.config;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.optim.LrSchedule;
import io.sparkamp.core.scaling.ScalerConfig;
import io.sparkamp.core.scaling.ScalingMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static io.sparkamp.core.config.SettingsTest.assertBad;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The typed engine config: defaults, precision-dependent loss scaling, and errors that name the key. */
class TrainConfigTest {
    @TempDir
    Path dir;

    private static TrainConfig of(String... keyValues) {
        Settings s = new Settings();
        for (int i = 0; i < keyValues.length; i += 2) {
            s.set(keyValues[i], keyValues[i + 1], "test:" + (i / 2 + 1));
        }
        return TrainConfig.from(s);
    }

    private Settings file(String... lines) throws IOException {
        Path file = dir.resolve("conf/x.conf");
        Files.createDirectories(file.getParent());
        Files.write(file, List.of(lines));
        return new Settings().load(file);
    }

    @Test
    void defaults() {
        TrainConfig c = TrainConfig.from(new Settings());
        assertEquals(Precision.FP16, c.precision());
        assertEquals(ScalingMode.DYNAMIC, c.scaler().mode());
        assertEquals(ScalerConfig.dynamicDefaults(), c.scaler(), "fp16 gets PyTorch GradScaler's defaults");
        assertEquals(65536f, c.scaler().initialScale());
        assertEquals("adam", c.optimizer().kind());
        assertEquals("constant", c.schedule().kind());
        assertEquals(1e-3f, c.schedule().baseLr());
        assertEquals(256, c.batchSize());
        assertEquals(256, c.microBatchSize());
        assertEquals(0, c.steps());
        assertEquals(1f, c.epochs(), "one epoch when steps are not set");
        assertEquals(42, c.seed());
        assertEquals(0f, c.clipNorm(), "clipping off");
        assertEquals("auto", c.kernel());
        assertEquals("softmax_ce", c.loss());
        assertFalse(c.scheduleOnSkip(), "skipped steps do not advance the schedule by default");

        assertEquals(64, of("batch-size", "64").microBatchSize(), "micro-batch defaults to the batch when smaller than 256");
        assertEquals(256, of("batch-size", "1024").microBatchSize());
        assertEquals(0f, of("steps", "10").epochs(), "setting steps turns the epoch default off");
    }

    @Test
    void lossScalingDefaultsDependOnPrecision() {
        assertEquals(ScalingMode.DYNAMIC, of("precision", "fp16").scaler().mode());
        assertEquals(ScalingMode.NONE, of("precision", "bf16").scaler().mode(), "bf16 runs unscaled unless asked");
        assertEquals(ScalingMode.NONE, of("precision", "fp32").scaler().mode());
        assertEquals(1f, of("precision", "bf16").scaler().initialScale());

        assertEquals(ScalingMode.DYNAMIC, of("precision", "bf16", "loss-scale", "dynamic").scaler().mode(), "bf16 when asked");
        assertEquals(ScalingMode.NONE, of("precision", "fp16", "loss-scale", "none").scaler().mode());
        ScalerConfig fixed = of("precision", "fp16", "loss-scale", "1024").scaler();
        assertEquals(ScalingMode.STATIC, fixed.mode());
        assertEquals(1024f, fixed.initialScale());
        assertEquals(ScalingMode.STATIC, of("precision", "bf16", "loss-scale", "128").scaler().mode());

        ScalerConfig tuned = of("loss-scale-init", "1024", "loss-scale-growth-interval", "100", "loss-scale-hysteresis", "2",
                "loss-scale-backoff", "0.25", "loss-scale-min", "16", "loss-scale-max", "4096", "max-consecutive-skips", "7")
                .scaler();
        assertEquals(new ScalerConfig(ScalingMode.DYNAMIC, 1024f, 2f, 0.25f, 100, 2, 16f, 4096f, 7), tuned);
    }

    @Test
    void aGrowthFactorBelowOneIsAConfigExceptionNamingTheKeyAndSource() throws IOException {
        Settings s = file("precision = fp16", "", "loss-scale-growth-factor = 0.5");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.from(s));
        assertTrue(e.getMessage().contains("loss-scale-growth-factor"), e.getMessage());
        assertTrue(e.getMessage().contains("0.5"), e.getMessage());
        assertTrue(e.getMessage().contains("x.conf:3"), e.getMessage());
    }

    @Test
    void aMinimumScaleAboveTheMaximumIsAConfigExceptionNamingTheKeys() throws IOException {
        Settings s = file("loss-scale-min = 100", "loss-scale-max = 10");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.from(s));
        String m = e.getMessage();
        assertTrue(m.contains("loss-scale-max") && m.contains("loss-scale-min"), "names the config keys: " + m);
        assertTrue(m.contains("x.conf:2"), "names where the offending value was set: " + m);
    }

    @Test
    void otherScalerSettingsAreNamedByTheirConfigKeys() {
        for (String[] kv : new String[][]{{"loss-scale-backoff", "1.5"}, {"loss-scale-init", "1e-3"},
                {"loss-scale-growth-interval", "0"}, {"loss-scale-hysteresis", "0"}, {"max-consecutive-skips", "0"}}) {
            ConfigException e = assertThrows(ConfigException.class, () -> of(kv[0], kv[1]), kv[0]);
            assertTrue(e.getMessage().contains(kv[0]), "names " + kv[0] + ": " + e.getMessage());
            assertTrue(e.getMessage().contains("test:1"), "names the source: " + e.getMessage());
        }
        ConfigException staticZero = assertThrows(ConfigException.class, () -> of("loss-scale", "0"));
        assertTrue(staticZero.getMessage().contains("loss-scale") && staticZero.getMessage().contains("'0'"),
                staticZero.getMessage());
    }

    @Test
    void unknownOptimizerAndPrecisionNamesAreConfigExceptionsNamingKeyValueAndSource() throws IOException {
        Settings optimizer = file("lr = 0.1", "optimizer = rmsprop");
        ConfigException e = assertThrows(ConfigException.class, () -> TrainConfig.from(optimizer));
        assertTrue(e.getMessage().contains("optimizer") && e.getMessage().contains("rmsprop")
                && e.getMessage().contains("x.conf:2"), e.getMessage());

        Settings precision = file("precision = fp8");
        e = assertThrows(ConfigException.class, () -> TrainConfig.from(precision));
        assertTrue(e.getMessage().contains("precision") && e.getMessage().contains("fp8")
                && e.getMessage().contains("x.conf:1"), e.getMessage());

        e = assertThrows(ConfigException.class, () -> of("schedule", "linear"));
        assertTrue(e.getMessage().contains("schedule") && e.getMessage().contains("linear"), e.getMessage());
    }

    @Test
    void badTypedValuesThroughTrainConfigNameKeyValueAndSource() throws IOException {
        assertBad(() -> TrainConfig.from(file("steps = 10", "", "batch-size = lots")), "batch-size", "lots", "x.conf:3");
        assertBad(() -> TrainConfig.from(file("lr = 1e-3x")), "lr", "1e-3x", "x.conf:1");
        assertBad(() -> TrainConfig.from(file("optimizer = sgd", "nesterov = perhaps")), "nesterov", "perhaps", "x.conf:2");
        assertBad(() -> TrainConfig.from(file("schedule-on-skip = sometimes")), "schedule-on-skip", "sometimes", "x.conf:1");
    }

    @Test
    void aCosineWarmUpIsAcceptedAndCheckedAgainstTheRunLength() {
        TrainConfig c = of("schedule", "cosine", "warmup-steps", "10", "steps", "100", "lr", "0.1");
        LrSchedule schedule = c.scheduleFor(100).create();
        assertEquals(0f, schedule.lrAt(0), "warm-up starts at 0");
        assertEquals(0.1f, schedule.lrAt(10), "and reaches the base rate at warmup-steps");
        // with steps derived from epochs the total is only known per run
        assertEquals(10, of("schedule", "cosine", "warmup-steps", "10", "epochs", "2").schedule().warmupSteps());

        ConfigException e = assertThrows(ConfigException.class, () -> of("schedule", "cosine", "warmup-steps", "100", "steps", "100"));
        assertTrue(e.getMessage().contains("warmup-steps"), e.getMessage());
    }

    @Test
    void stepsOrEpochsMustBeSet() {
        ConfigException e = assertThrows(ConfigException.class, () -> of("epochs", "0"));
        assertTrue(e.getMessage().contains("steps") && e.getMessage().contains("epochs"), e.getMessage());
        assertThrows(ConfigException.class, () -> of("batch-size", "0"));
        assertThrows(ConfigException.class, () -> of("clip-norm", "-1"));
    }

    @Test
    void describeReadsBackToTheSameConfig() {
        for (TrainConfig c : List.of(
                TrainConfig.from(new Settings()),
                of("precision", "bf16", "optimizer", "sgd", "momentum", "0.5", "nesterov", "true", "lr", "0.05",
                        "schedule", "step", "step-size", "7", "gamma", "0.5", "steps", "30", "clip-norm", "2"),
                of("precision", "fp16", "loss-scale", "512", "optimizer", "adamw", "weight-decay", "0.1",
                        "schedule", "cosine", "warmup-steps", "5", "min-lr", "1e-5", "steps", "50", "seed", "-3",
                        "batch-size", "32", "micro-batch-size", "8", "schedule-on-skip", "yes"),
                of("precision", "fp16", "loss-scale-init", "256", "loss-scale-hysteresis", "3", "epochs", "2.5"))) {
            Settings s = new Settings();
            for (Map.Entry<String, String> entry : c.describe().entrySet()) {
                s.set(entry.getKey(), entry.getValue(), "describe");
            }
            s.requireKnown(TrainConfig.KEYS);
            assertEquals(c, TrainConfig.from(s), "describe() of " + c);
        }
    }
}
