package io.sparkamp.spark.bench;

import io.sparkamp.spark.report.Machine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes the end-to-end benchmark's section of BENCHMARKS.md (between two marker comments, so other
 * sections stay): machine, versions, the exact command, the side-by-side table and each target with
 * its measured value and verdict. Numbers are printed as measured.
 */
final class BenchReport {
    static final String START = "<!-- bench:start (written by bin/amp bench) -->";
    static final String END = "<!-- bench:end -->";

    /** One training run: its precision, data replication and the train command's JSON summary. */
    record Run(String precision, int replicate, Map<String, Object> summary) {
        double number(String key) {
            Object v = summary.get(key);
            return v instanceof Number n ? n.doubleValue() : Double.NaN;
        }

        String text(String key) {
            Object v = summary.get(key);
            return v == null ? "n/a" : v.toString();
        }
    }

    private BenchReport() {
    }

    static void write(Path file, String command, String master, String sparkVersion, List<Run> runs, List<Run> scaling,
                      MllibBaseline.Result mllib, double target) {
        StringBuilder b = new StringBuilder();
        b.append(START).append('\n');
        b.append("## End-to-end: Fashion-MNIST MLP 784-512-256-10 (`bin/amp bench`)\n\n");
        b.append("- Date: ").append(LocalDate.now()).append('\n');
        b.append("- Command: `").append(command).append("`\n");
        Machine machine = Machine.current();
        b.append("- Machine: ").append(machine.cpuModel()).append(", ").append(machine.cores())
                .append(" cores; flags of note: ").append(machine.cpuFlags()).append('\n');
        b.append("- Java ").append(System.getProperty("java.version")).append(" (").append(System.getProperty("java.vm.name"))
                .append("), Spark ").append(sparkVersion).append(", master `").append(master).append("`\n");
        b.append("- Method: every run in one Spark session, one after another, on the same cached Parquet data. "
                + "samples/s = rows trained / seconds inside training steps (evaluation excluded); time to target = "
                + "training seconds until the first test evaluation at or above the target; overhead = share of step "
                + "time outside the slowest task's compute (broadcast, scheduling, aggregation, driver update).\n\n");
        Run fp32 = find(runs, "fp32");
        b.append("| run | kernel | samples/s | vs fp32 | steps to ").append(pct(target)).append(" | time to ").append(pct(target))
                .append(" (s) | final test accuracy | cached bytes/value | broadcast bytes/step | Spark overhead |\n");
        b.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Run r : runs) {
            b.append("| ").append(r.precision()).append(" | ").append(r.text("kernel")).append(" | ")
                    .append(fmt(r.number("samples_per_second"), 0)).append(" | ")
                    .append(fp32 == null ? "n/a" : fmt(r.number("samples_per_second") / fp32.number("samples_per_second"), 2) + "x")
                    .append(" | ").append(r.text("steps_to_target")).append(" | ").append(fmt(r.number("seconds_to_target"), 1))
                    .append(" | ").append(fmt(r.number("test_accuracy"), 4)).append(" | ")
                    .append(fmt(r.number("cached_bytes_per_value"), 3)).append(" | ").append(r.text("broadcast_bytes"))
                    .append(" | ").append(pct(r.number("overhead_fraction"))).append(" |\n");
        }
        if (mllib != null) {
            b.append("| Spark MLlib MLP (L-BFGS, ").append(mllib.iterations()).append(" iterations, FP64) | ")
                    .append(mllib.blasDescription()).append(" | ")
                    .append(fmt(mllib.rows() * (double) mllib.iterations() / mllib.fitSeconds(), 0))
                    .append(" (rows x iterations / fit s) | | ").append(mllib.testAccuracy() >= target ? "<= " + mllib.iterations() + " it." : "not reached")
                    .append(" | ").append(mllib.testAccuracy() >= target ? "<= " + fmt(mllib.fitSeconds(), 1) : "> " + fmt(mllib.fitSeconds(), 1))
                    .append(" | ").append(fmt(mllib.testAccuracy(), 4)).append(" | ").append(fmt(mllib.cachedBytesPerValue(), 3))
                    .append(" | | |\n");
        }
        b.append('\n');
        if (scaling.size() == 2) {
            Run one = scaling.get(0);
            Run many = scaling.get(1);
            double ratio = many.number("samples_per_second") / one.number("samples_per_second");
            b.append("Data-size scaling (").append(one.precision()).append(", ").append(one.text("steps"))
                    .append(" steps per run, runs alternated x1, xN, x1, xN, mean of ").append(one.text("runs")).append(" runs each): ")
                    .append(fmt(one.number("samples_per_second"), 0)).append(" samples/s on ").append(one.text("train_rows"))
                    .append(" rows, ").append(fmt(many.number("samples_per_second"), 0)).append(" samples/s on ")
                    .append(many.text("train_rows")).append(" rows (x").append(many.replicate()).append("): ratio ")
                    .append(fmt(ratio, 3)).append(".\n\n");
        }
        b.append("Targets, as measured in this run:\n\n");
        Run fp16 = find(runs, "fp16");
        Run bf16 = find(runs, "bf16");
        if (fp32 != null && bf16 != null) {
            double r = bf16.number("samples_per_second") / fp32.number("samples_per_second");
            b.append(verdict(r >= 3.0, "bf16-mixed >= 3x the samples/s of fp32: " + fmt(r, 2) + "x"));
        }
        if (fp32 != null && fp16 != null) {
            double r = fp16.number("samples_per_second") / fp32.number("samples_per_second");
            double cache = fp16.number("cached_bytes_per_value") / fp32.number("cached_bytes_per_value");
            double bcast = fp16.number("broadcast_bytes") / fp32.number("broadcast_bytes");
            b.append(verdict(r >= 1.0 && cache <= 0.55 && bcast <= 0.5, "fp16-mixed no slower than fp32 (" + fmt(r, 2)
                    + "x) with half the cache (" + fmt(cache, 3) + "x) and broadcast (" + fmt(bcast, 3) + "x) bytes"));
        }
        if (mllib != null) {
            Run fastest = null;
            for (Run r : runs) {
                if (!Double.isNaN(r.number("seconds_to_target"))
                        && (fastest == null || r.number("seconds_to_target") < fastest.number("seconds_to_target"))) {
                    fastest = r;
                }
            }
            if (fastest == null) {
                b.append(verdict(false, "time to " + pct(target) + " >= 10x shorter than MLlib: no run of ours reached the target"));
            } else if (mllib.testAccuracy() < target) {
                double ratio = mllib.fitSeconds() / fastest.number("seconds_to_target");
                String text = "time to " + pct(target) + " >= 10x shorter than MLlib: " + fastest.precision() + " took "
                        + fmt(fastest.number("seconds_to_target"), 1) + " s; MLlib had not reached it after " + fmt(mllib.fitSeconds(), 1)
                        + " s (" + fmt(mllib.testAccuracy(), 4) + "), so the ratio is more than " + fmt(ratio, 1) + "x";
                b.append(mllib.library().isReference()
                        ? "- [not comparable] " + text + "; MLlib computed with the reference BLAS, an unblocked single-threaded loop "
                                + "(apt-get install -y libopenblas0-pthread, then run the bench again)\n"
                        : verdict(ratio >= 10, text));
            } else {
                b.append("- [info] MLlib reached the target within its fit of " + fmt(mllib.fitSeconds(), 1)
                        + " s; its exact time to target is not measured (it reports no per-iteration accuracy)\n");
            }
        }
        double worstOverhead = 0;
        for (Run r : runs) {
            worstOverhead = Math.max(worstOverhead, r.number("overhead_fraction"));
        }
        b.append(verdict(worstOverhead <= 0.15, "Spark overhead <= 15% of step time at the default global batch: worst run "
                + pct(worstOverhead)));
        if (scaling.size() == 2) {
            double ratio = scaling.get(1).number("samples_per_second") / scaling.get(0).number("samples_per_second");
            b.append(verdict(Math.abs(ratio - 1) <= 0.15, "samples/s within +-15% with the training set replicated "
                    + scaling.get(1).replicate() + "x: ratio " + fmt(ratio, 3)));
        }
        b.append(END).append('\n');
        splice(file, b.toString());
    }

    private static String verdict(boolean met, String text) {
        return "- [" + (met ? "met" : "MISSED") + "] " + text + "\n";
    }

    private static Run find(List<Run> runs, String precision) {
        return runs.stream().filter(r -> r.precision().equals(precision)).findFirst().orElse(null);
    }

    private static String fmt(double v, int decimals) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String pct(double v) {
        return Double.isNaN(v) ? "n/a" : String.format(Locale.ROOT, "%.1f%%", 100 * v);
    }

    private static void splice(Path file, String section) {
        splice(file, section, START, END);
    }

    /** Replaces the part of {@code file} between two marker lines with {@code section} (appended when the markers are absent). */
    static void splice(Path file, String section, String startMarker, String endMarker) {
        try {
            String text = Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "# Benchmarks\n\n";
            int start = text.indexOf(startMarker);
            int end = text.indexOf(endMarker);
            String updated = start >= 0 && end > start
                    ? text.substring(0, start) + section + text.substring(end + endMarker.length() + 1)
                    : text + (text.endsWith("\n") ? "" : "\n") + "\n" + section;
            Files.writeString(file, updated, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
