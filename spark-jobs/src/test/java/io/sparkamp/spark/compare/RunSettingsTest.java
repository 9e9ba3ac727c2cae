package io.sparkamp.spark.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.sparkamp.core.config.Settings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What each run of a comparison takes from the user's settings, and what the comparison sets itself. */
class RunSettingsTest {
    private static Settings userSettings() {
        Settings s = new Settings();
        String[] pairs = {"data", "d/train", "test-data", "d/test", "precision", "bf16", "loss-scale", "512", "metrics", "m.jsonl",
            "checkpoint-dir", "ckpt", "checkpoint-every", "5", "schedule", "cosine", "warmup-steps", "7", "lr", "0.01",
            "precisions", "fp32,fp16-noscale", "out", "o", "tolerance", "0.02", "target-accuracy", "0.9", "jit-warmup-steps", "3"};
        for (int i = 0; i < pairs.length; i += 2) {
            s.set(pairs[i], pairs[i + 1], "conf/x.conf:" + (i / 2 + 1));
        }
        return s;
    }

    @Test
    void aRunKeepsTheTrainingSettingsAndGetsItsOwnPrecisionScalingAndMetricsFile() {
        Settings run = ComparisonPlan.runSettings(userSettings(), new Variant("fp16-noscale", "fp16", "none"), Path.of("o/metrics/x.jsonl"));
        assertEquals("fp16", run.string("precision", null));
        assertEquals("none", run.string("loss-scale", null));
        assertEquals("o/metrics/x.jsonl", run.string("metrics", null));
        assertEquals("7", run.string("warmup-steps", null), "the schedule's warm-up is a training setting");
        assertEquals("cosine", run.string("schedule", null));
        assertEquals("0.01", run.string("lr", null));
        assertEquals("10", run.string("eval-every", null), "compare's default when the config sets none");
        for (String key : new String[] {"checkpoint-dir", "checkpoint-every", "precisions", "out", "tolerance", "target-accuracy",
            "jit-warmup-steps"}) {
            assertFalse(run.has(key), key + " is not passed to a run");
        }
    }

    @Test
    void theCommandLineNamesTheConfigFileAndTheFlags() {
        Settings s = userSettings();
        s.set("steps", "20", "--steps");
        s.set("model", "input 4 | linear 2", "--model");
        assertEquals("bin/amp compare --config conf/x.conf --steps 20 --model 'input 4 | linear 2'", CompareCli.commandLine(s));
    }
}
