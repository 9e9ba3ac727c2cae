package io.sparkamp.spark;

import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.cli.TrainCommand;
import io.sparkamp.spark.json.Json;
import org.apache.spark.sql.SparkSession;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Helpers shared by the training tests: run {@code amp train} in-process, read JSON lines, compare checkpoints bit by bit. */
public final class TrainRuns {
    private TrainRuns() {
    }

    /** Settings from alternating key, value pairs, as if given as flags. */
    public static Settings settings(String... keyValues) {
        if (keyValues.length % 2 != 0) {
            throw new IllegalArgumentException("key/value pairs expected");
        }
        Settings s = new Settings();
        for (int i = 0; i < keyValues.length; i += 2) {
            s.set(keyValues[i], keyValues[i + 1], "--" + keyValues[i]);
        }
        return s;
    }

    /** The result of one in-process training run: the summary map and the JSON line it printed. */
    public record Run(Map<String, Object> summary, Map<String, Object> printed) {
        public String checkpoint() {
            return (String) summary.get("checkpoint");
        }
    }

    /** Runs {@link TrainCommand} with {@code settings} on {@code spark}; the printed last line is parsed back. */
    public static Run train(SparkSession spark, Settings settings) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Map<String, Object> summary;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            summary = TrainCommand.run(JobConfig.from(settings), spark, out);
        }
        return new Run(summary, lastJsonLine(bytes.toString(StandardCharsets.UTF_8)));
    }

    /** What one {@code amp} command printed and returned, as {@link io.sparkamp.spark.cli.AmpCli#run} gives it. */
    public record Cli(int code, String out, String err) {
        /** The last stdout line, parsed as JSON. */
        public Map<String, Object> json() {
            return lastJsonLine(out);
        }
    }

    /** Runs {@code amp args...} in this JVM (AmpCli.run), capturing stdout and stderr. */
    public static Cli cli(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = io.sparkamp.spark.cli.AmpCli.run(args, o, e);
        }
        return new Cli(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The last non-empty line of {@code text}, parsed as a JSON object. */
    public static Map<String, Object> lastJsonLine(String text) {
        String[] lines = text.strip().split("\n");
        return Json.parse(lines[lines.length - 1]);
    }

    /** Every line of a JSON-lines file, parsed. */
    public static List<Map<String, Object>> jsonLines(Path file) {
        try {
            List<Map<String, Object>> out = new ArrayList<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                out.add(Json.parse(line));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A number field of a parsed JSON object (fails when absent or null). */
    public static double num(Map<String, Object> json, String key) {
        Object v = json.get(key);
        if (!(v instanceof Number n)) {
            throw new AssertionError("'" + key + "' is not a number in " + json);
        }
        return n.doubleValue();
    }

    /** Asserts {@code lo <= value <= hi}. */
    public static void assertBetween(String what, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new AssertionError(what + ": expected in [" + lo + ", " + hi + "], got " + value);
        }
    }

    /** Asserts {@code value >= lo}. */
    public static void assertAtLeast(String what, double value, double lo) {
        if (!(value >= lo)) {
            throw new AssertionError(what + ": expected at least " + lo + ", got " + value);
        }
    }

    public static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }

    /** Loads a checkpoint directory (verifying its manifest). */
    public static Checkpoint load(SparkSession spark, String path) {
        Objects.requireNonNull(path, "no checkpoint path");
        return new CheckpointStore(spark, Path.of(path).getParent().toString()).load(path);
    }

    /**
     * Asserts that two checkpoints hold the same training state to the bit: step counters, every master
     * weight, the optimizer's kind, step count and every slot, and the whole scaler state.
     */
    public static void assertSameState(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.steps(), actual.steps(), "steps");
        assertEquals(expected.optimizerSteps(), actual.optimizerSteps(), "optimizer steps");
        assertEquals(expected.skippedSteps(), actual.skippedSteps(), "skipped steps");
        assertArrayEquals(bits(expected.master()), bits(actual.master()), "master weights");
        assertEquals(expected.optimizer().kind(), actual.optimizer().kind(), "optimizer kind");
        assertEquals(expected.optimizer().steps(), actual.optimizer().steps(), "optimizer internal steps");
        assertEquals(expected.optimizer().slots().keySet(), actual.optimizer().slots().keySet(), "optimizer slots");
        for (String slot : expected.optimizer().slots().keySet()) {
            assertArrayEquals(bits(expected.optimizer().slots().get(slot)),
                    bits(actual.optimizer().slots().get(slot)), "optimizer slot " + slot);
        }
        assertEquals(Float.floatToRawIntBits(expected.scaler().scale()),
                Float.floatToRawIntBits(actual.scaler().scale()), "loss scale bits");
        assertEquals(expected.scaler(), actual.scaler(), "scaler state");
    }
}
