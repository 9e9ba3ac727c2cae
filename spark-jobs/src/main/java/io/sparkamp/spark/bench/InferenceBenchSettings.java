package io.sparkamp.spark.bench;

import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.inference.ScoringOptions;

import java.util.List;

/**
 * The inference benchmark's settings (part of amp bench's), apart from {@link InferenceBench}: that class
 * uses ONNX Runtime, which only bin/amp's classpath has, and listing bench's settings (--help, the check
 * for unknown keys) must not load it, e.g. in the spark-submit job jar.
 */
final class InferenceBenchSettings {
    private InferenceBenchSettings() {
    }

    static final Setting<Boolean> ONLY = Setting.flag("inference-only", "inference bench", false,
            "run only the inference benchmark (no training runs)");
    static final Setting<Boolean> SKIP = Setting.flag("skip-inference", "inference bench", false, "leave out the inference benchmark");
    static final Setting<String> CHECKPOINT = Setting.text("inference-checkpoint", "inference bench", null,
            "checkpoint to score with").derivedDefault("the bf16 model this bench trains (else the last precision it trains); "
            + "with --inference-only, the base config's model with its seed's initial weights");
    static final Setting<Integer> REPLICATE = Setting.integer("inference-replicate", "inference bench", 6,
            "the test set repeated N times").accepting(v -> v >= 1, ">= 1");
    static final Setting<Integer> RUNS = Setting.integer("inference-runs", "inference bench", 2,
            "timed passes per engine").accepting(v -> v >= 1, ">= 1");
    static final Setting<Integer> BATCH_ROWS = Setting.integer("inference-batch-rows", "inference bench",
            ScoringOptions.DEFAULT_BATCH_ROWS, "rows per forward pass").accepting(v -> v > 0, "> 0");
    static final List<Setting<?>> SETTINGS = List.of(ONLY, SKIP, CHECKPOINT, REPLICATE, RUNS, BATCH_ROWS);
}
