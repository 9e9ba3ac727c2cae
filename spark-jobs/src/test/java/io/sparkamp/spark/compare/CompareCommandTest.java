package io.sparkamp.spark.compare;

import static io.sparkamp.spark.TrainRuns.num;



import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.cli.AmpCli;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import io.sparkamp.spark.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amp compare} end to end in local[2]: four runs of a deep sigmoid network (the case where loss
 * scaling matters, in miniature) on generated data, then what the command printed, the metrics files,
 * runs.json and report.html checked against each other and against the mechanism: without scaling a
 * large share of the 16-bit gradient values underflows, with dynamic scaling none does.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
public class CompareCommandTest extends AmpSparkTestBase {
    @TempDir
    static Path TMP;
    static final int STEPS = 6;
    static final int EVAL_EVERY = 2;
    static final List<String> RUNS = List.of("fp32", "fp16", "bf16", "fp16-noscale");

    /** The run every test reads (made once per class). */
    static Path out;
    static String printed;
    static Map<String, Object> lastLine;

    @BeforeEach
    public void compareOnce() throws Exception {
        if (out != null) {
            return;
        }
        String data = newFolder(TMP, "data").toString();
        SyntheticDataWriter.write(spark(), data, new SyntheticDataWriter.Options(2000, 400, 16, 4, 1.0f, 5L), true);
        Path dir = newFolder(TMP, "compare").toPath();
        StringBuilder model = new StringBuilder("input 16");
        for (int i = 0; i < 8; i++) {
            model.append(" | linear 16 | layernorm | sigmoid");
        }
        model.append(" | linear 4");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream stream = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            CompareCommand.compare(TrainRuns.settings("data", data + "/train", "test-data", data + "/test", "model", model.toString(),
                    "batch-size", "1024", "micro-batch-size", "256", "steps", Integer.toString(STEPS), "eval-every",
                    Integer.toString(EVAL_EVERY), "lr", "0.003", "seed", "3", "partitions", "2", "log-every", "1000",
                    "jit-warmup-steps", "2", "out", dir.toString(), "checkpoint-dir", dir.resolve("never").toString()),
                    "bin/amp compare --test", spark(), stream);
        }
        printed = bytes.toString(StandardCharsets.UTF_8);
        lastLine = TrainRuns.lastJsonLine(printed);
        out = dir;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> runs() throws Exception {
        return (List<Map<String, Object>>) Json.parse(Files.readString(out.resolve("runs.json"))).get("runs");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> summary(String name) throws Exception {
        for (Map<String, Object> run : runs()) {
            if (run.get("name").equals(name)) {
                return (Map<String, Object>) run.get("summary");
            }
        }
        throw new AssertionError("no run " + name + " in runs.json");
    }

    @Test
    public void everyRunHasAStepLineAndTheEvaluationsInItsMetricsFile() throws Exception {
        for (String name : RUNS) {
            RunMetrics m = RunMetrics.read(out.resolve("metrics").resolve(name + ".jsonl"));
            Assertions.assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), m.steps().stream().map(RunMetrics.Step::step).toList(), name);
            Assertions.assertEquals(List.of(2L, 4L, 6L), m.evaluations().stream().map(RunMetrics.Evaluation::step).toList(), name);
            double previous = 0;
            for (RunMetrics.Step s : m.steps()) {
                Assertions.assertTrue(s.elapsedSeconds() > previous, name + ": wall time runs forward");
                previous = s.elapsedSeconds();
            }
            RunMetrics.Evaluation last = m.evaluations().get(m.evaluations().size() - 1);
            Assertions.assertEquals(num(summary(name), "test_accuracy"), last.testAccuracy(), 0.0, name);
            Assertions.assertEquals(num(summary(name), "test_loss"), last.testLoss(), 0.0, name);
        }
        Assertions.assertTrue(!Files.exists(out.resolve("never")), "no checkpoints are written");
    }

    @Test
    public void runsDifferOnlyInPrecisionAndScaling() throws Exception {
        List<Map<String, Object>> runs = runs();
        Assertions.assertEquals(RUNS, runs.stream().map(r -> r.get("name")).toList());
        Assertions.assertEquals(List.of("fp32", "fp16", "bf16", "fp16"), runs.stream().map(r -> ((Map<?, ?>) r.get("summary")).get("precision")).toList());
        Assertions.assertEquals(List.of("none", "dynamic", "none", "none"), runs.stream().map(r -> r.get("loss_scale")).toList());
        for (String name : RUNS) {
            Assertions.assertEquals(STEPS, num(summary(name), "steps"), 0, name);
            Assertions.assertEquals(2000, num(summary(name), "train_rows"), 0, name);
        }
        Assertions.assertEquals(65536.0, num(summary("fp16"), "loss_scale"), 0);
        Assertions.assertEquals(1.0, num(summary("fp16-noscale"), "loss_scale"), 0);
    }

    /** The mechanism the comparison exists to show, measured: the engine's underflow count per step. */
    @Test
    public void withoutScalingGradientValuesUnderflowAndWithDynamicScalingTheyDoNot() {
        double unscaled = RunMetrics.read(out.resolve("metrics/fp16-noscale.jsonl")).maxUnderflowFraction();
        double scaled = RunMetrics.read(out.resolve("metrics/fp16.jsonl")).maxUnderflowFraction();
        Assertions.assertTrue(unscaled > 0.05, "fp16 without scaling: " + unscaled);
        Assertions.assertTrue(scaled < 0.001, "fp16 with dynamic scaling: " + scaled);
        Assertions.assertEquals(0.0, RunMetrics.read(out.resolve("metrics/fp32.jsonl")).maxUnderflowFraction(), 0);
    }

    @Test
    public void printedTableAndReportCarryTheMeasuredNumbers() throws Exception {
        String html = Files.readString(out.resolve("report.html"));
        double reference = num(summary("fp32"), "samples_per_second");
        for (String name : RUNS) {
            Map<String, Object> s = summary(name);
            String accuracy = String.format(Locale.ROOT, "%.4f", num(s, "test_accuracy"));
            String speedup = String.format(Locale.ROOT, "%.2fx", num(s, "samples_per_second") / reference);
            String difference = String.format(Locale.ROOT, "%+.4f", num(s, "test_accuracy") - num(summary("fp32"), "test_accuracy"));
            String row = "| " + name + " | ";
            String line = printed.lines().filter(l -> l.startsWith(row)).findFirst().orElseThrow(() -> new AssertionError("no row " + name));
            Assertions.assertTrue(line.contains("| " + accuracy + " |") && line.contains("| " + speedup + " |") && line.contains("| " + difference + " |"), line);
            String htmlRow = html.substring(html.indexOf("<tr><td>" + name + "</td>"));
            htmlRow = htmlRow.substring(0, htmlRow.indexOf("</tr>"));
            Assertions.assertTrue(htmlRow.contains("<td>" + accuracy + "</td>") && htmlRow.contains("<td>" + speedup + "</td>"), htmlRow);
        }
        Map<String, Object> verdicts = castMap(lastLine.get("verdicts"));
        Assertions.assertEquals(RUNS, new ArrayList<>(verdicts.keySet()));
        Assertions.assertEquals("reference", verdicts.get("fp32"));
        Assertions.assertEquals("compare", lastLine.get("command"));
        Assertions.assertEquals(0.01, num(lastLine, "tolerance"), 0);

        Assertions.assertEquals(12, count(html, "<svg "), "one chart per curve and x axis");
        for (String title : List.of("Training loss", "Test accuracy", "Loss scale", "Skipped steps", "Underflow fraction", "Samples/s")) {
            Assertions.assertTrue(html.contains(">" + title + " vs step</text>") && html.contains(">" + title + " vs wall time</text>"), title);
        }
        String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("unknown");
        Assertions.assertTrue(html.contains(ReportPage.escape(cpu)), "CPU model");
        Assertions.assertTrue(html.contains(spark().version()), "Spark version");
        Assertions.assertTrue(html.contains(System.getProperty("java.version")), "Java version");
        Assertions.assertTrue(html.contains(System.getProperty("os.version")), "kernel");
        Assertions.assertTrue(!html.contains("<script") && !html.contains("http://cdn") && !html.contains("src=\"http"), "no script, nothing fetched");
    }

    /** Opens report.html in headless Chromium and checks that every run's curves were drawn. */
    @Test
    public void chartsRenderInHeadlessChromium() throws Exception {
        Path report = out.resolve("report.html");
        ChromiumPage page = ChromiumPage.load(report, newFolder(TMP, "chromium").toPath());
        Assertions.assertEquals(12, count(page.dom(), "<svg "), "charts in the DOM Chromium built");
        for (String name : RUNS) {
            int pixels = page.pixelsOfColour(ComparisonCharts.COLORS.get(name));
            Assertions.assertTrue(pixels > 500, name + "'s colour covers " + pixels + " pixels of the screenshot");
        }
        Assertions.assertTrue(page.nonWhiteShare() > 0.03, "non-white share of the screenshot: " + page.nonWhiteShare());
    }

    @Test
    public void mistakesExitTwoBeforeAnyTraining() {
        assertMistake("needs --test-data", "compare", "--data", "x", "--model", "mlp 4-2 relu");
        assertMistake("'fp8'", "compare", "--data", "x", "--test-data", "y", "--precisions", "fp32,fp8");
        assertMistake("tolerance", "compare", "--data", "x", "--test-data", "y", "--tolerance", "2");
        assertMistake("unknown", "compare", "--data", "x", "--test-data", "y", "--no-such-setting", "1");
    }

    private static void assertMistake(String expected, String... args) {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = AmpCli.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true));
        String message = err.toString(StandardCharsets.UTF_8);
        Assertions.assertEquals(2, code, message);
        Assertions.assertTrue(message.startsWith("amp: error: ") && message.contains(expected) && message.strip().lines().count() == 1, message);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Object o) {
        return (Map<String, Object>) o;
    }

    static int count(String text, String what) {
        Matcher m = Pattern.compile(Pattern.quote(what)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
