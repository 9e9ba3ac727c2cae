package io.sparkamp.spark.bench;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.json.Json;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The peer in {@code amp bench}: the same MLP trained in PyTorch ({@code benchmarks/pytorch_mlp.py}) on the
 * same machine in the same bench run, on as many threads as the Spark master has cores, when a
 * {@code python3} with torch is installed ({@code apt-get install python3-torch libopenblas0-pthread}: Debian's
 * torch calls the system's {@code libblas.so.3}, the reference BLAS unless OpenBLAS is installed, and the
 * bench names the library and calls a reference-BLAS peer not comparable). FP32 runs twice: with
 * the BLAS as installed, and with OpenBLAS told the CPU ({@code OPENBLAS_CORETYPE}: Debian's OpenBLAS
 * 0.3.21 takes AVX-512 Zen parts for a pre-AVX core); the faster counts, so the peer is measured at its
 * best. BF16 runs under PyTorch's autocast. Prints the ratios and writes its section into the report.
 */
final class PytorchPeer {
    static final Setting<Boolean> SKIP_PEER = Setting.flag("skip-peer", "bench", false, "leave out the PyTorch peer");
    static final Setting<Long> PEER_STEPS = Setting.longValue("peer-steps", "bench", 120L,
            "timed training steps of each PyTorch peer run").accepting(v -> v > 0, "> 0");
    static final Setting<String> PEER_PYTHON = Setting.text("peer-python", "bench", null,
            "python3 that runs the PyTorch peer").derivedDefault("the first of python3, /usr/bin/python3 that imports torch");
    static final Setting<String> PEER_DATA = Setting.text("peer-data", "bench", "/usr/share/datasets/fashion-mnist",
            "the Fashion-MNIST IDX files the PyTorch peer reads");
    /** The peer's settings, for the bench declarations. */
    static final List<Setting<?>> SETTINGS = List.of(SKIP_PEER, PEER_STEPS, PEER_PYTHON, PEER_DATA);

    static final String START = "<!-- peer:start (written by bin/amp bench) -->";
    static final String END = "<!-- peer:end -->";
    static final String SCRIPT = "benchmarks/pytorch_mlp.py";
    private static final Pattern LOCAL = Pattern.compile("local(?:-cluster)?\\[(\\d+|\\*)");

    private PytorchPeer() {
    }

    /** One peer run: what it was and the JSON line the script printed. */
    record Result(String label, Map<String, Object> summary) {
        double samplesPerSecond() {
            return ((Number) summary.get("samples_per_second")).doubleValue();
        }

        /** The BLAS library the peer's process mapped (its FP32 matmuls run on it). */
        BlasLibrary blas() {
            return BlasLibrary.of((String) summary.get("blas"));
        }
    }

    /**
     * Runs the peer unless told not to or PyTorch is missing (then says so), prints the ratio of this
     * project's fastest run to PyTorch's FP32, and writes the section into {@code report}.
     */
    static void compare(Settings s, List<BenchReport.Run> runs, String master, Path report, PrintStream out) {
        if (SKIP_PEER.get(s) || runs.isEmpty()) {
            return;
        }
        String python = PEER_PYTHON.isSet(s) ? PEER_PYTHON.get(s) : findPython();
        if (python == null || !Files.exists(Path.of(SCRIPT))) {
            out.println("bench: PyTorch peer skipped: no python3 with torch (apt-get install -y python3-torch) or no " + SCRIPT);
            return;
        }
        int threads = threads(master);
        List<Result> results = new ArrayList<>();
        String coreType = openBlasCoreType();
        long steps = PEER_STEPS.get(s);
        results.add(run(python, s, threads, "fp32", null, PEER_BATCH, steps, "PyTorch fp32, BLAS as installed", out));
        if (coreType != null) {
            results.add(run(python, s, threads, "fp32", coreType, PEER_BATCH, steps, "PyTorch fp32, OPENBLAS_CORETYPE=" + coreType, out));
        }
        results.add(run(python, s, threads, "bf16", coreType, PEER_BATCH, steps,
                "PyTorch bf16 autocast" + (coreType == null ? "" : ", OPENBLAS_CORETYPE=" + coreType), out));
        BenchReport.Run fastest = runs.stream().max((a, b) -> Double.compare(a.number("samples_per_second"),
                b.number("samples_per_second"))).orElseThrow();
        double fp32Peer = results.stream().filter(r -> "fp32".equals(r.summary().get("precision")))
                .mapToDouble(Result::samplesPerSecond).max().orElse(Double.NaN);
        double ratio = fastest.number("samples_per_second") / fp32Peer;
        out.println(String.format(Locale.ROOT, "bench: fastest Spark AMP run (%s) %.0f samples/s = %.2fx PyTorch fp32 (%.0f samples/s)%s",
                fastest.precision(), fastest.number("samples_per_second"), ratio, fp32Peer,
                fairPeer(results) ? "" : ", which ran on the reference BLAS: not a fair comparison"));
        BenchReport.splice(report, section(results, fastest, fp32Peer, threads, master), START, END);
    }

    /** The global batch of the peer comparison (the base config's). */
    private static final int PEER_BATCH = 4096;

    /**
     * The peer's FP32 samples/s at {@code batchSize} on the cores of {@code master} (the faster of BLAS as
     * installed and OpenBLAS told the CPU type), or null when PyTorch is not installed.
     */
    static Result fp32At(Settings s, String master, int batchSize, long steps, PrintStream out) {
        String python = PEER_PYTHON.isSet(s) ? PEER_PYTHON.get(s) : findPython();
        if (python == null || !Files.exists(Path.of(SCRIPT))) {
            out.println("bench: PyTorch peer skipped: no python3 with torch (apt-get install -y python3-torch) or no " + SCRIPT);
            return null;
        }
        int threads = threads(master);
        Result installed = run(python, s, threads, "fp32", null, batchSize, steps, "PyTorch fp32, BLAS as installed", out);
        String coreType = openBlasCoreType();
        if (coreType == null) {
            return installed;
        }
        Result typed = run(python, s, threads, "fp32", coreType, batchSize, steps, "PyTorch fp32, OPENBLAS_CORETYPE=" + coreType, out);
        return typed.samplesPerSecond() > installed.samplesPerSecond() ? typed : installed;
    }

    private static Result run(String python, Settings s, int threads, String precision, String coreType, int batchSize,
                              long steps, String label, PrintStream out) {
        List<String> command = List.of(python, SCRIPT, "--data", PEER_DATA.get(s), "--threads", Integer.toString(threads),
                "--precision", precision, "--steps", Long.toString(steps), "--batch-size", Integer.toString(batchSize));
        out.println("bench: " + label + ": " + String.join(" ", command));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        // bin/amp pins OpenMP and OpenBLAS to one thread for Spark's tasks; the peer gets the whole machine's share.
        builder.environment().put("OMP_NUM_THREADS", Integer.toString(threads));
        builder.environment().put("OPENBLAS_NUM_THREADS", Integer.toString(threads));
        if (coreType != null) {
            builder.environment().put("OPENBLAS_CORETYPE", coreType);
        } else {
            builder.environment().remove("OPENBLAS_CORETYPE");
        }
        try {
            Process process = builder.start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(30, TimeUnit.MINUTES) || process.exitValue() != 0) {
                throw new IllegalStateException("the PyTorch peer failed (" + String.join(" ", command) + "): " + lastLine(output));
            }
            Map<String, Object> summary = Json.parse(lastLine(output));
            out.println("bench: " + summary);
            Result result = new Result(label, summary);
            if (result.blas().isReference()) {
                out.println(result.blas().warning("PyTorch"));
            }
            return result;
        } catch (IOException e) {
            throw new IllegalStateException("cannot run the PyTorch peer (" + String.join(" ", command) + "): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the PyTorch peer ran", e);
        }
    }

    /** Whether the peer's FP32 runs computed with an optimized BLAS (or one the bench could not name). */
    static boolean fairPeer(List<Result> results) {
        return results.stream().filter(r -> "fp32".equals(r.summary().get("precision"))).noneMatch(r -> r.blas().isReference());
    }

    static String section(List<Result> results, BenchReport.Run fastest, double fp32Peer, int threads, String master) {
        StringBuilder b = new StringBuilder(START).append('\n');
        b.append("## Peer: the same MLP in PyTorch, same machine, same bench run\n\n");
        b.append("- Date: ").append(LocalDate.now()).append("; PyTorch ").append(results.get(0).summary().get("version"))
                .append(" (`").append(SCRIPT).append("`), ").append(threads).append(" threads = the cores of master `")
                .append(master).append("`; global batch ").append(results.get(0).summary().get("batch_size"))
                .append(", Adam, ").append(results.get(0).summary().get("steps"))
                .append(" timed steps after 10 untimed; data in memory as one FP32 tensor (no Spark, no data loading in the timing). ")
                .append("It runs after the Spark runs of the same bench: on a host shared with other jobs, compare ratios with care.\n");
        b.append("- Machine: ").append(io.sparkamp.spark.report.Machine.current().cpuModel()).append("; flags of note: ").append(io.sparkamp.spark.report.Machine.current().cpuFlags()).append("\n\n");
        b.append("| run | BLAS | samples/s | test accuracy after the timed steps | Spark AMP fastest (").append(fastest.precision())
                .append(", ").append(String.format(Locale.ROOT, "%.0f", fastest.number("samples_per_second")))
                .append(" samples/s) vs this |\n|---|---|---|---|---|\n");
        for (Result r : results) {
            b.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %.4f | %.2fx |%n", r.label(), r.blas().describe(), r.samplesPerSecond(),
                    ((Number) r.summary().get("test_accuracy")).doubleValue(), fastest.number("samples_per_second") / r.samplesPerSecond()));
        }
        double ratio = fastest.number("samples_per_second") / fp32Peer;
        String verdict = !fairPeer(results) ? "not comparable" : ratio >= 1.0 ? "met" : "MISSED";
        b.append("\n- [").append(verdict).append(String.format(Locale.ROOT,
                "] fastest mode >= 1.0x PyTorch FP32 samples/s (the faster of its two FP32 runs): %.2fx", ratio));
        b.append(fairPeer(results) ? "\n" : "; PyTorch computed its FP32 matmuls with the reference BLAS, an unblocked "
                + "single-threaded loop (apt-get install -y libopenblas0-pthread, then run the bench again)\n");
        b.append(END).append('\n');
        return b.toString();
    }

    /** The first of python3, /usr/bin/python3 that imports torch, or null. */
    static String findPython() {
        for (String candidate : new String[] {"python3", "/usr/bin/python3"}) {
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(2, TimeUnit.MINUTES) && p.exitValue() == 0) {
                    return candidate;
                }
            } catch (IOException e) {
                // not installed under this name: try the next
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    /** Threads of the peer: the cores a local master uses, else this machine's. */
    static int threads(String master) {
        Matcher m = LOCAL.matcher(master);
        if (m.find() && !m.group(1).equals("*")) {
            return Integer.parseInt(m.group(1));
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** The OpenBLAS kernel family for this CPU's widest vector unit, or null off x86-64 Linux. */
    static String openBlasCoreType() {
        String flags = " " + io.sparkamp.spark.report.Machine.current().cpuFlags() + " ";
        if (flags.contains(" avx512_bf16 ")) {
            return "Cooperlake";
        }
        if (flags.contains(" avx512f ")) {
            return "SkylakeX";
        }
        return flags.contains(" avx2 ") ? "Haswell" : null;
    }

    private static String lastLine(String output) {
        String[] lines = output.strip().split("\n");
        return lines[lines.length - 1];
    }
}
