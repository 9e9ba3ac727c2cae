package io.sparkamp.spark.compare;

import io.sparkamp.spark.json.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run's metrics file read back: its step lines and its evaluation lines (the ones with
 * {@code test_loss}), each with the wall seconds since training began.
 */
record RunMetrics(List<Step> steps, List<Evaluation> evaluations) {

    /** One optimizer step. {@code skippedSoFar} counts skipped steps up to and including this one. */
    record Step(long step, double elapsedSeconds, double loss, double lossScale, boolean skipped, long skippedSoFar,
                double underflowFraction, double samplesPerSecond) {
    }

    /** One test-set evaluation; {@code trainingSeconds} is step time until then (evaluations excluded). */
    record Evaluation(long step, double elapsedSeconds, double trainingSeconds, double testLoss, double testAccuracy) {
    }

    static RunMetrics read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the metrics file " + file, e);
        }
        List<Step> steps = new ArrayList<>();
        List<Evaluation> evaluations = new ArrayList<>();
        long skipped = 0;
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> m = Json.parse(line);
            if (m.containsKey("test_loss")) {
                evaluations.add(new Evaluation(whole(m, "step"), number(m, "elapsed_s"), number(m, "training_seconds"),
                        number(m, "test_loss"), number(m, "test_accuracy")));
            } else {
                boolean wasSkipped = Boolean.TRUE.equals(m.get("skipped"));
                skipped += wasSkipped ? 1 : 0;
                steps.add(new Step(whole(m, "step"), number(m, "elapsed_s"), number(m, "loss"), number(m, "loss_scale"),
                        wasSkipped, skipped, number(m, "underflow_fraction"), number(m, "samples_per_second")));
            }
        }
        return new RunMetrics(List.copyOf(steps), List.copyOf(evaluations));
    }

    /** The first evaluation at or above {@code accuracy}, or null. */
    Evaluation firstReaching(double accuracy) {
        for (Evaluation e : evaluations) {
            if (e.testAccuracy() >= accuracy) {
                return e;
            }
        }
        return null;
    }

    /** The largest underflow fraction of any step (0 for a run without 16-bit gradients). */
    double maxUnderflowFraction() {
        double max = 0;
        for (Step s : steps) {
            max = Double.isNaN(s.underflowFraction()) ? max : Math.max(max, s.underflowFraction());
        }
        return max;
    }

    private static double number(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.doubleValue() : Double.NaN; // JSON null stands for NaN
    }

    private static long whole(Map<String, Object> m, String key) {
        if (!(m.get(key) instanceof Number n)) {
            throw new IllegalStateException("metrics line without '" + key + "': " + m);
        }
        return n.longValue();
    }
}
