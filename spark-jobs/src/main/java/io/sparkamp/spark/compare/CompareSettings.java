package io.sparkamp.spark.compare;

import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The declarations of {@code amp compare}'s settings (its --help and the check for unknown keys read
 * them): its own, then every training setting, which each run takes as given except the ones a
 * comparison sets per run (precision, loss-scale, metrics, checkpoints).
 */
final class CompareSettings {
    private CompareSettings() {
    }

    static final Setting<String> PRECISIONS = Setting.text("precisions", "compare", "fp32,fp16,bf16,fp16-noscale",
            "runs, comma-separated: fp32, fp16 (the config's loss scaling, dynamic unless static), bf16, "
                    + "fp16-noscale (FP16 without loss scaling); fp32 is the reference and must be listed");
    static final Setting<String> OUT = Setting.text("out", "compare", "runs/compare",
            "directory of report.html, runs.json and metrics/NAME.jsonl");
    static final Setting<Float> TOLERANCE = Setting.number("tolerance", "compare", 0.01f,
            "a run matches fp32 when its final test accuracy is within this much of fp32's").accepting(v -> v >= 0 && v <= 1, "in [0, 1]");
    static final Setting<Float> TARGET_ACCURACY = Setting.number("target-accuracy", "compare", null,
            "test accuracy the time-to-target column measures; never stops a run early")
            .derivedDefault("fp32's final test accuracy minus the tolerance").accepting(v -> v > 0 && v <= 1, "in (0, 1]");
    static final Setting<Long> EVAL_EVERY = Setting.longValue("eval-every", "compare", 10L,
            "steps between test-set evaluations (the test-accuracy curve)").accepting(v -> v > 0, "> 0");
    static final Setting<Integer> JIT_WARMUP_STEPS = Setting.integer("jit-warmup-steps", "compare", 10,
            "unmeasured steps per precision before the runs, so the first run does not pay for the JIT")
            .accepting(v -> v >= 0, ">= 0");

    /** Keys of the compare command itself, never passed to a run. */
    static final Set<String> OWN_KEYS = Set.of(PRECISIONS.key(), OUT.key(), TOLERANCE.key(), TARGET_ACCURACY.key(),
            JIT_WARMUP_STEPS.key());
    /** Training settings a comparison sets per run or leaves out (accepted, so a training config can be used as is). */
    static final Set<String> PER_RUN_KEYS = Set.of("precision", "loss-scale", "metrics", "checkpoint-dir", "checkpoint-every",
            "resume");

    /** Every setting compare reads: its own, then the training settings it does not redeclare. */
    static final List<Setting<?>> ALL = all();

    private static List<Setting<?>> all() {
        List<Setting<?>> all = new ArrayList<>(List.of(PRECISIONS, OUT, TOLERANCE, TARGET_ACCURACY, EVAL_EVERY, JIT_WARMUP_STEPS));
        for (Setting<?> s : JobSettings.TRAINING) {
            if (!s.key().equals(TARGET_ACCURACY.key()) && !s.key().equals(EVAL_EVERY.key())) {
                all.add(s);
            }
        }
        return List.copyOf(all);
    }
}
