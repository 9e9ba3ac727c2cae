package io.sparkamp.spark.compare;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The final table of a comparison: per run its test accuracy and loss, time to the target accuracy,
 * samples/s, cached bytes per value, speedup and accuracy difference against fp32, and a verdict: a run
 * matches fp32 when its final test accuracy is within {@code tolerance} of fp32's.
 *
 * @param rows            one per run, in run order
 * @param tolerance       largest accuracy difference (absolute, e.g. 0.01 = one point) that still matches
 * @param target          the test accuracy "time to target" measures
 * @param targetOrigin    where the target came from, for the report
 */
record ComparisonTable(List<Row> rows, double tolerance, double target, String targetOrigin) {

    /** How a run's final accuracy compares with fp32's. */
    enum Verdict {
        REFERENCE("reference"), MATCHES("matches fp32"), WORSE("WORSE than fp32"), BETTER("better than fp32");

        final String text;

        Verdict(String text) {
            this.text = text;
        }
    }

    /**
     * @param secondsToTarget training seconds (evaluations excluded) until the first evaluation at or above
     *                        the target, NaN when never reached
     * @param stepsToTarget   that evaluation's step, -1 when never reached
     */
    record Row(String name, String scaling, double testAccuracy, double testLoss, double secondsToTarget, long stepsToTarget,
               double samplesPerSecond, double cachedBytesPerValue, double speedup, double accuracyDifference,
               Verdict verdict, long skippedSteps, double maxUnderflowFraction, String kernel) {
    }

    /**
     * @param target the given target accuracy, or 0 for "fp32's final accuracy minus the tolerance"
     */
    static ComparisonTable of(List<RunResult> runs, double tolerance, double target) {
        RunResult reference = runs.stream().filter(r -> r.variant().name().equals(Variant.REFERENCE)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("a comparison needs an fp32 run"));
        double refAccuracy = reference.number("test_accuracy");
        double refSpeed = reference.number("samples_per_second");
        String origin = "--target-accuracy";
        if (target <= 0) {
            target = refAccuracy - tolerance;
            origin = "fp32's final test accuracy minus the tolerance";
        }
        List<Row> rows = new ArrayList<>();
        for (RunResult r : runs) {
            RunMetrics.Evaluation reached = r.metrics().firstReaching(target);
            double accuracy = r.number("test_accuracy");
            double difference = accuracy - refAccuracy;
            Verdict verdict = r == reference ? Verdict.REFERENCE
                    : Math.abs(difference) <= tolerance + 1e-12 ? Verdict.MATCHES
                    : difference < 0 || Double.isNaN(difference) ? Verdict.WORSE : Verdict.BETTER;
            rows.add(new Row(r.variant().name(), scaling(r), accuracy, r.number("test_loss"),
                    reached == null ? Double.NaN : reached.trainingSeconds(), reached == null ? -1 : reached.step(),
                    r.number("samples_per_second"), r.number("cached_bytes_per_value"), r.number("samples_per_second") / refSpeed,
                    difference, verdict, (long) r.number("skipped_steps"), r.metrics().maxUnderflowFraction(), r.text("kernel")));
        }
        return new ComparisonTable(List.copyOf(rows), tolerance, target, origin);
    }

    private static String scaling(RunResult r) {
        String mode = r.variant().lossScale();
        return mode.equals("dynamic") ? "dynamic, final " + fmt(r.number("loss_scale"), 0)
                : mode.equals("none") ? "none" : "static " + mode;
    }

    static final List<String> HEADERS = List.of("run", "loss scaling", "test accuracy", "test loss", "time to target (s)",
            "samples/s", "cached bytes/value", "speedup vs fp32", "accuracy vs fp32", "verdict", "skipped steps",
            "max underflow", "kernel");

    /** The cells of a row as the report and the console print them. */
    static List<String> cells(Row r) {
        return List.of(r.name(), r.scaling(), fmt(r.testAccuracy(), 4), fmt(r.testLoss(), 4),
                r.stepsToTarget() < 0 ? "not reached" : fmt(r.secondsToTarget(), 1) + " (step " + r.stepsToTarget() + ")",
                fmt(r.samplesPerSecond(), 0), fmt(r.cachedBytesPerValue(), 3), fmt(r.speedup(), 2) + "x",
                signed(r.accuracyDifference()), r.verdict().text, Long.toString(r.skippedSteps()),
                percent(r.maxUnderflowFraction()), r.kernel());
    }

    /** The rule the verdicts apply, in words. */
    String rule() {
        return "verdict: final test accuracy within ±" + fmt(tolerance, 4) + " of fp32's matches; target accuracy "
                + fmt(target, 4) + " (" + targetOrigin + ")";
    }

    /** The table as Markdown, with the rule underneath. */
    String markdown() {
        StringBuilder b = new StringBuilder();
        b.append("| ").append(String.join(" | ", HEADERS)).append(" |\n");
        b.append("|").append("---|".repeat(HEADERS.size())).append('\n');
        for (Row r : rows) {
            b.append("| ").append(String.join(" | ", cells(r))).append(" |\n");
        }
        return b.append('\n').append(rule()).append('\n').toString();
    }

    /** One sentence per run that is not the reference, computed from the table. */
    List<String> conclusions() {
        List<String> out = new ArrayList<>();
        Row reference = rows.stream().filter(r -> r.verdict() == Verdict.REFERENCE).findFirst().orElseThrow();
        for (Row r : rows) {
            if (r == reference) {
                continue;
            }
            String sentence = r.name() + " " + r.verdict().text + ": test accuracy " + fmt(r.testAccuracy(), 4) + " vs "
                    + fmt(reference.testAccuracy(), 4) + " (" + signed(r.accuracyDifference()) + ", tolerance ±"
                    + fmt(tolerance, 4) + "), " + fmt(r.speedup(), 2) + "x fp32's samples/s";
            if (r.maxUnderflowFraction() > 0.01) {
                sentence += "; up to " + percent(r.maxUnderflowFraction()) + " of its 16-bit gradient values underflowed to zero";
            }
            out.add(sentence + ".");
        }
        return out;
    }

    static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    private static String signed(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%+.4f", v);
    }

    private static String percent(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }
}
