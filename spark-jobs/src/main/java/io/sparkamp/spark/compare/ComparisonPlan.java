package io.sparkamp.spark.compare;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.spark.cli.JobConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A comparison validated before Spark starts, so a mistake costs no training time: each run's job
 * (the user's training settings with the run's precision, loss scaling and metrics file), where the
 * files go, the tolerance, the target and the JIT warm-up.
 *
 * @param runs        in the order they train
 * @param out         directory of the report, runs.json and metrics/
 * @param tolerance   largest accuracy difference that still matches fp32
 * @param target      the time-to-target accuracy, or 0 for fp32's final accuracy minus the tolerance
 * @param warmupSteps unmeasured steps per precision before the runs
 */
record ComparisonPlan(List<ComparisonPlan.PlannedRun> runs, Path out, double tolerance, double target, int warmupSteps) {

    /** One run to make: what it is, its validated job and its metrics file. */
    record PlannedRun(Variant variant, JobConfig job, Path metrics) {
    }

    static ComparisonPlan of(Settings s) {
        if (!s.has("test-data")) {
            throw new ConfigException("compare needs --test-data: test accuracy is what it compares");
        }
        if (!Losses.byName(EngineSettings.LOSS.get(s)).classifies()) {
            throw new ConfigException("compare measures test accuracy, and loss " + EngineSettings.LOSS.get(s) + " (from "
                    + s.sourceOf("loss") + ") does not classify; use softmax_ce");
        }
        Path out = Path.of(CompareSettings.OUT.get(s));
        // Through Float.toString, so 0.01 stays 0.01 in the report rather than 0.009999999776.
        double tolerance = Double.parseDouble(Float.toString(CompareSettings.TOLERANCE.get(s)));
        double target = CompareSettings.TARGET_ACCURACY.isSet(s)
                ? Double.parseDouble(Float.toString(CompareSettings.TARGET_ACCURACY.get(s))) : 0;
        int warmupSteps = CompareSettings.JIT_WARMUP_STEPS.get(s);
        List<PlannedRun> runs = new ArrayList<>();
        for (Variant v : Variant.parse(CompareSettings.PRECISIONS.get(s), s.string("loss-scale", null))) {
            Path metrics = out.resolve("metrics").resolve(v.name() + ".jsonl");
            runs.add(new PlannedRun(v, JobConfig.from(runSettings(s, v, metrics)), metrics));
        }
        return new ComparisonPlan(List.copyOf(runs), out, tolerance, target, warmupSteps);
    }

    /** The user's training settings with the run's precision, loss scaling and metrics file. */
    static Settings runSettings(Settings s, Variant v, Path metrics) {
        Settings run = new Settings();
        for (String key : s.keys()) {
            if (!CompareSettings.OWN_KEYS.contains(key) && !CompareSettings.PER_RUN_KEYS.contains(key)) {
                run.set(key, s.string(key, ""), s.sourceOf(key));
            }
        }
        String source = "compare (" + v.name() + ")";
        run.set("precision", v.precision(), source);
        run.set("loss-scale", v.lossScale(), source);
        run.set("metrics", metrics.toString(), source);
        // Validated by the getter; the test-accuracy curve needs evaluations during training.
        run.set("eval-every", Long.toString(CompareSettings.EVAL_EVERY.get(s)),
                s.has("eval-every") ? s.sourceOf("eval-every") : "compare default");
        return run;
    }
}
