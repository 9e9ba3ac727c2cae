package io.sparkamp.spark.compare;

import io.sparkamp.core.config.Settings;
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
import java.util.HashSet;
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
        ComparisonPlan plan = ComparisonPlan.of(s);
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
        return compare(ComparisonPlan.of(s), commandLine, spark, out);
    }

    private static Map<String, Object> compare(ComparisonPlan plan, String commandLine, SparkSession spark, PrintStream out) {
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        if (plan.warmupSteps() > 0) {
            warmUp(plan, spark, quiet);
        }
        List<RunResult> results = new ArrayList<>();
        for (ComparisonPlan.PlannedRun run : plan.runs()) {
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
    private static void warmUp(ComparisonPlan plan, SparkSession spark, PrintStream quiet) {
        System.err.println("compare: warming up (" + plan.warmupSteps() + " unmeasured steps per precision)");
        Set<String> warmed = new HashSet<>();
        for (ComparisonPlan.PlannedRun run : plan.runs()) {
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
