package io.sparkamp.spark.report;

import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.StepOutcome;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.core.train.StepListener;
import io.sparkamp.core.train.StepTiming;
import io.sparkamp.spark.json.Json;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One JSON line per step to the metrics file (step, loss, loss scale, skipped, gradient norm, lr,
 * samples/s, underflow fraction, timings, wall seconds since training began), one line per test-set
 * evaluation (step, test loss and the loss's own figures), and a console progress line every
 * {@code logEvery} steps. Also keeps the running totals the job summary reports.
 */
public final class MetricsReporter implements StepListener, Closeable {
    private final Path metricsFile;
    private BufferedWriter metrics;
    private final PrintStream console;
    private final int logEvery;
    private final long totalSteps;
    private long rowsTrained;
    private long nanosTraining;
    private long nanosCompute;
    private long broadcastBytes;
    private StepOutcome last;
    private long lastEvaluatedStep = -1;
    private final long openedNanos = System.nanoTime();

    /**
     * @param metricsFile where step lines go, or null. A run leaves it with each step once: when the first step
     *                    this run takes is step k, lines of steps k and later (an earlier run's, e.g. one that was
     *                    killed after its last checkpoint and is now resumed from it) are dropped before the new
     *                    lines are appended; lines of earlier steps stay. A fresh run starts at step 1, so it starts
     *                    the file anew.
     * @param console     where progress lines go
     * @param logEvery    steps between progress lines
     * @param totalSteps  steps of the whole run, for the progress line
     */
    public MetricsReporter(Path metricsFile, PrintStream console, int logEvery, long totalSteps) {
        this.metricsFile = metricsFile;
        this.console = console;
        this.logEvery = logEvery;
        this.totalSteps = totalSteps;
    }

    @Override
    public void onStep(TrainingState state, StepOutcome outcome, StepTiming timing) {
        last = outcome;
        rowsTrained += outcome.rows();
        nanosTraining += timing.totalNanos();
        nanosCompute += timing.computeNanos();
        broadcastBytes = timing.broadcastBytes();
        double samplesPerSecond = outcome.rows() / (timing.totalNanos() / 1e9);
        if (metricsFile != null) {
            if (metrics == null) {
                metrics = openKeepingStepsBefore(metricsFile, outcome.step());
            }
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", outcome.step());
            line.put("loss", outcome.trainLoss());
            line.put("train_accuracy", outcome.trainAccuracy());
            line.put("loss_scale", outcome.lossScale());
            line.put("next_loss_scale", outcome.nextLossScale());
            line.put("skipped", outcome.skipped());
            line.put("grad_norm", outcome.gradNorm());
            line.put("lr", outcome.learningRate());
            line.put("rows", outcome.rows());
            line.put("samples_per_second", samplesPerSecond);
            line.put("underflow_fraction", outcome.underflowFraction());
            line.put("step_ms", timing.totalNanos() / 1e6);
            line.put("distributed_ms", timing.distributedNanos() / 1e6);
            line.put("compute_ms", timing.computeNanos() / 1e6);
            line.put("overhead_fraction", timing.overheadFraction());
            line.put("broadcast_bytes", timing.broadcastBytes());
            line.put("heap_used_mb", usedHeapMb());
            line.put("elapsed_s", elapsedSeconds());
            write(line);
        }
        if (outcome.step() % logEvery == 0 || outcome.step() == totalSteps || outcome.skipped()) {
            console.printf("step %d/%d  loss %.4f  acc %.3f  scale %s%s  lr %.3g  %.0f samples/s%n",
                    outcome.step(), totalSteps, outcome.trainLoss(), outcome.trainAccuracy(), scale(outcome.lossScale()),
                    outcome.skipped() ? "  SKIPPED (non-finite gradient)" : "", outcome.learningRate(), samplesPerSecond);
        }
    }

    /**
     * Appends an evaluation line: {@code step}, {@code test_loss} and the loss's own figures
     * ({@code test_accuracy}, or {@code test_rmse} and {@code test_r2}), {@code test_rows},
     * {@code training_seconds} (step time so far) and {@code elapsed_s}. A step already reported is not
     * repeated (the run's final evaluation often falls on a step the cadence evaluated); nothing is
     * written before this run's first step opened the file.
     */
    public void onEvaluation(long step, Evaluation eval, Loss loss) {
        if (step == lastEvaluatedStep) {
            return;
        }
        lastEvaluatedStep = step;
        if (metrics != null) {
            Map<String, Object> line = new LinkedHashMap<>();
            line.put("step", step);
            EvaluationFields.put(line, "test_", eval, loss);
            line.put("test_rows", eval.rows());
            line.put("training_seconds", trainingSeconds());
            line.put("elapsed_s", elapsedSeconds());
            write(line);
        }
    }

    private void write(Map<String, Object> line) {
        try {
            metrics.write(Json.line(line));
            metrics.newLine();
            metrics.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write metrics line", e);
        }
    }

    /** Wall-clock seconds since this reporter opened, i.e. since training began (data already cached). */
    private double elapsedSeconds() {
        return (System.nanoTime() - openedNanos) / 1e9;
    }

    /** Mean samples per second over the steps run in this process. */
    public double samplesPerSecond() {
        return nanosTraining == 0 ? 0 : rowsTrained / (nanosTraining / 1e9);
    }

    /** Seconds spent in steps. */
    public double trainingSeconds() {
        return nanosTraining / 1e9;
    }

    /** Bytes of weights the last step broadcast. */
    public long broadcastBytes() {
        return broadcastBytes;
    }

    /** Fraction of all step time spent outside executor compute. */
    public double overheadFraction() {
        return nanosTraining == 0 ? 0 : Math.max(0, nanosTraining - nanosCompute) / (double) nanosTraining;
    }

    /** The last step's outcome, or null before the first. */
    public StepOutcome last() {
        return last;
    }

    /**
     * Opens {@code file} for appending after dropping every line of step {@code firstStep} or later, and lines that
     * are not whole JSON objects (the last line of a JVM killed while writing it). The kept lines are written to a
     * temporary file that replaces the old one in one rename.
     */
    private static BufferedWriter openKeepingStepsBefore(Path file, long firstStep) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            if (Files.exists(file)) {
                List<String> kept = new ArrayList<>();
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    long step = stepOf(line);
                    if (step > 0 && step < firstStep) {
                        kept.add(line);
                    }
                }
                Path temp = Files.createTempFile(parent, file.getFileName().toString(), ".tmp");
                Files.write(temp, kept, StandardCharsets.UTF_8);
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            return Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open metrics file " + file, e);
        }
    }

    /** The step of a metrics line, or -1 when the line is not a whole JSON object with a step. */
    private static long stepOf(String line) {
        try {
            return Json.parse(line).get("step") instanceof Number step ? step.longValue() : -1;
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    /** A loss scale as people read it: 65536, or 2^100 rather than a 31-digit integer. */
    public static String scale(double scale) {
        if (scale >= 1e6 && Double.isFinite(scale)) {
            int exponent = Math.getExponent(scale);
            return scale == Math.scalb(1.0, exponent) ? "2^" + exponent : String.format("%.3e", scale);
        }
        return String.format("%.0f", scale);
    }

    private static long usedHeapMb() {
        Runtime rt = Runtime.getRuntime();
        return (rt.totalMemory() - rt.freeMemory()) >> 20;
    }

    @Override
    public void close() {
        if (metrics != null) {
            try {
                metrics.close();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot close metrics file", e);
            }
        }
    }
}
