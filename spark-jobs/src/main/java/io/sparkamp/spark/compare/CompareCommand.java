package io.sparkamp.spark.compare;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.spark.checkpoint.Versions;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.cli.TrainCommand;
import io.sparkamp.spark.json.Json;
import io.sparkamp.spark.report.Machine;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * {@code amp compare --config FILE [--precisions fp32,fp16,bf16,fp16-noscale] [--out DIR] [--tolerance T]}:
 * trains the config's model on the same data with the same seed once per precision, one after another in
 * one Spark session, and writes {@code DIR/metrics/NAME.jsonl} (the train command's metrics file of each
 * run), {@code DIR/runs.json} (their summaries and the verdict rule) and {@code DIR/report.html} (curves,
 * the final table with verdicts against fp32, machine and versions). Prints the table; the last stdout
 * line is a JSON summary.
 *
 * <p>Each run takes every setting of the config and flags, except: {@code precision} and {@code loss-scale}
 * (the run's own), {@code metrics} (the run's file under DIR), checkpoints (none are written) and
 * {@code target-accuracy}, which here only sets the "time to target" column and never stops a run early,
 * so every curve covers the whole run.
 */
public final class CompareCommand {
    private CompareCommand() {
    }

    /** The CLI entry: validates everything, then runs the comparison in its own Spark session. */
    public static int run(Settings s, String commandLine, PrintStream out) {
        Plan plan = Plan.of(s);
        SparkSession spark = SparkSessions.create(plan.runs().get(0).job().master(), "spark-amp compare");
        try {
            compare(plan, commandLine, spark, out);
            return 0;
        } finally {
            spark.stop();
        }
    }

    /** Runs the comparison that {@code s} describes on {@code spark} (left running); returns the printed summary. */
    public static Map<String, Object> compare(Settings s, String commandLine, SparkSession spark, PrintStream out) {
        return compare(Plan.of(s), commandLine, spark, out);
    }

    /** One run to make: what it is and its validated job. */
    record PlannedRun(Variant variant, JobConfig job, Path metrics) {
    }

    /** Everything validated before Spark starts, so a mistake costs no training time. */
    record Plan(List<PlannedRun> runs, Path out, double tolerance, double target, int warmupSteps) {
        static Plan of(Settings s) {
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
            CompareSettings.EVAL_EVERY.get(s); // checked here, before any run
            List<PlannedRun> runs = new ArrayList<>();
            for (Variant v : Variant.parse(CompareSettings.PRECISIONS.get(s), s.string("loss-scale", null))) {
                Path metrics = out.resolve("metrics").resolve(v.name() + ".jsonl");
                runs.add(new PlannedRun(v, JobConfig.from(runSettings(s, v, metrics)), metrics));
            }
            return new Plan(List.copyOf(runs), out, tolerance, target, warmupSteps);
        }
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
        if (!s.has("eval-every")) {
            run.set("eval-every", Long.toString(CompareSettings.EVAL_EVERY.get(s)), "compare default");
        }
        return run;
    }

    private static Map<String, Object> compare(Plan plan, String commandLine, SparkSession spark, PrintStream out) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        if (plan.warmupSteps() > 0) {
            warmUp(plan, spark, quiet);
        }
        List<RunResult> results = new ArrayList<>();
        for (PlannedRun run : plan.runs()) {
            delete(run.metrics());
            System.err.println("compare: training " + run.variant().name() + " (precision " + run.variant().precision()
                    + ", loss-scale " + run.variant().lossScale() + ")");
            Map<String, Object> summary = TrainCommand.run(run.job(), spark, quiet);
            RunResult result = new RunResult(run.variant(), summary, RunMetrics.read(run.metrics()));
            results.add(result);
            out.println(String.format(Locale.ROOT, "compare: %s: test accuracy %.4f, %.0f samples/s, %d skipped steps",
                    run.variant().name(), result.number("test_accuracy"), result.number("samples_per_second"),
                    (long) result.number("skipped_steps")));
        }
        ComparisonTable table = ComparisonTable.of(results, plan.tolerance(), plan.target());
        JobConfig first = plan.runs().get(0).job();
        ReportPage.Context context = new ReportPage.Context(commandLine, first.train().model(), first.data().path(),
                plan.warmupSteps(), spark.sparkContext().master(), spark.version(), Versions.sparkAmp(), Machine.current());
        Path report = plan.out().resolve("report.html");
        ReportPage.write(report, context, table, ComparisonCharts.draw(results));
        writeRuns(plan.out().resolve("runs.json"), commandLine, table, results);

        out.print(table.markdown());
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("command", "compare");
        summary.put("report", report.toString());
        summary.put("runs", plan.out().resolve("runs.json").toString());
        summary.put("tolerance", table.tolerance());
        summary.put("target_accuracy", table.target());
        Map<String, Object> verdicts = new LinkedHashMap<>();
        for (ComparisonTable.Row row : table.rows()) {
            verdicts.put(row.name(), row.verdict().text);
        }
        summary.put("verdicts", verdicts);
        out.println(Json.line(summary));
        return summary;
    }

    /**
     * Each precision for a few steps on the training data, nothing recorded: the JIT compiles each one's
     * code paths before anything is measured.
     */
    private static void warmUp(Plan plan, SparkSession spark, PrintStream quiet) {
        System.err.println("compare: warming up (" + plan.warmupSteps() + " unmeasured steps per precision)");
        Set<String> warmed = new java.util.HashSet<>();
        for (PlannedRun run : plan.runs()) {
            if (!warmed.add(run.variant().precision())) {
                continue;
            }
            Settings s = new Settings();
            Settings job = run.job().settings();
            for (String key : job.keys()) {
                if (!Set.of("metrics", "epochs", "eval-every", "test-data").contains(key)) {
                    s.set(key, job.string(key, ""), job.sourceOf(key));
                }
            }
            s.set("steps", Integer.toString(plan.warmupSteps()), "compare warm-up");
            s.set("log-every", "1000000", "compare warm-up");
            TrainCommand.run(JobConfig.from(s), spark, quiet);
        }
    }

    /** runs.json: the rule and each run's name, settings, metrics file and summary, for the notebook. */
    private static void writeRuns(Path file, String commandLine, ComparisonTable table, List<RunResult> results) {
        List<Map<String, Object>> runs = new ArrayList<>();
        for (RunResult r : results) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("name", r.variant().name());
            run.put("precision", r.variant().precision());
            run.put("loss_scale", r.variant().lossScale());
            run.put("metrics", "metrics/" + r.variant().name() + ".jsonl");
            Map<String, Object> summary = new LinkedHashMap<>();
            r.summary().forEach((k, v) -> summary.put(k, v instanceof Double d && !Double.isFinite(d) ? null : v));
            run.put("summary", summary);
            runs.add(run);
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("command", commandLine);
        doc.put("reference", Variant.REFERENCE);
        doc.put("tolerance", table.tolerance());
        doc.put("target_accuracy", table.target());
        doc.put("runs", runs);
        try {
            Files.writeString(file, Json.line(doc) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove the previous metrics file " + file, e);
        }
    }
}
