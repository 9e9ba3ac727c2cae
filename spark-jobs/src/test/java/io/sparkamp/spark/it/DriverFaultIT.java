package io.sparkamp.spark.it;

import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.cli.CommandLine;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The driver JVM killed ({@code kill -9}, as {@link Process#destroyForcibly} does on Linux) while it trains and while
 * it writes a checkpoint, then {@code amp train --resume}: the final master weights, optimizer slots and scaler state
 * are bit-identical to an uninterrupted run's (trained in this JVM), and the metrics file holds each step once. While
 * a run is alive, a second run on the same checkpoint directory is refused with exit 2. Killed and resumed runs are
 * real {@code spark-submit} JVMs of the job jar ({@link SubmittedJob}); the checkpoint write is stopped at a known
 * moment by a test hook (a system property the job ignores unless set).
 */
class DriverFaultIT {
    private static final int STEPS = 60;
    private static final String PAUSE_PROPERTY = "amp.test.pause-checkpoint-write-at-step";

    @TempDir
    static Path work;
    private static SparkSession spark;
    private static Path data;
    /** The uninterrupted run's final checkpoint. */
    private static Checkpoint reference;

    @BeforeAll
    static void dataAndTheUninterruptedRun() throws Exception {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("DriverFaultIT").set("spark.ui.enabled", "false");
        spark = SparkSession.builder().config(SparkSessions.applyKryoDefaults(conf)).getOrCreate();
        data = work.resolve("data");
        SyntheticDataWriter.write(spark, data.toString(), new SyntheticDataWriter.Options(600, 100, 16, 4, 1.0f, 5L), false);
        Path dir = work.resolve("reference");
        String[] args = train(dir);
        TrainRuns.train(spark, CommandLine.parse(args).settings()); // in this JVM: the same code, one JVM start less
        reference = load(dir.resolve(step(STEPS)));
        assertTrue(reference.skippedSteps() > 0 && reference.optimizerSteps() > 0,
                "the run skips and applies steps, so the scaler state matters: " + reference.scaler());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /** fp16 with a dynamic scale that starts too high and grows every 5 clean steps, a cosine schedule, the Java kernel. */
    private static String[] train(Path dir, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--data", data.resolve("train").toString(),
                "--model", "mlp 16-32-4 relu", "--precision", "fp16", "--loss-scale-init", "4194304",
                "--loss-scale-growth-interval", "5", "--optimizer", "adam", "--lr", "0.01", "--schedule", "cosine",
                "--warmup-steps", "3", "--steps", Integer.toString(STEPS), "--batch-size", "32", "--micro-batch-size", "16",
                "--partitions", "2", "--seed", "7", "--kernel", "java", "--log-every", "1000",
                "--checkpoint-dir", dir.toString(), "--checkpoint-every", "10", "--metrics", dir.resolve("metrics.jsonl").toString()));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    private static String step(long s) {
        return String.format("step-%08d", s);
    }

    private static Checkpoint load(Path checkpoint) {
        return new CheckpointStore(spark, checkpoint.getParent().toString()).load(checkpoint.toString());
    }

    /**
     * One run, killed twice: first while it trains (somewhere after step 15, past its step-10 checkpoint), then, resumed,
     * inside the write of its step-30 checkpoint — while it is paused there, a second run on the directory is refused.
     * The last resume finishes the run, and it ends where the uninterrupted run ended, to the bit.
     */
    @Test
    void killedWhileTrainingAndInsideACheckpointWriteThenResumedBitIdentically() throws Exception {
        Path dir = work.resolve("killed");
        SubmittedJob first = SubmittedJob.start(work, "first", List.of(), train(dir));
        waitFor(first, () -> metricsReached(dir, 15), "step 15 in the metrics file");
        first.process().destroyForcibly().waitFor();
        assertFalse(Files.exists(dir.resolve(step(STEPS))), "killed before the end");
        assertTrue(Files.exists(dir.resolve(step(10))), "killed after the first checkpoint");

        SubmittedJob second = SubmittedJob.start(work, "second", List.of("-D" + PAUSE_PROPERTY + "=30"), train(dir, "--resume"));
        Path paused = waitFor(second, () -> pausedWrite(dir, 30), "the write of " + step(30) + " to pause");
        SubmittedJob.Result concurrent = SubmittedJob.run(work, "concurrent", train(dir, "--resume"));
        assertEquals(2, concurrent.exitCode(), concurrent.output());
        String error = errorLine(concurrent);
        assertTrue(error.contains("in use by another run") && error.contains("pid " + second.process().pid()), error);
        second.process().destroyForcibly().waitFor();
        assertTrue(Files.isDirectory(paused.getParent()), "the half-written checkpoint is left as the kill left it");
        assertFalse(Files.exists(dir.resolve(step(30))), "no step-30 checkpoint was committed");
        assertTrue(Files.exists(dir.resolve("_lock")), "the dead run's lock is still there");

        SubmittedJob.Result last = SubmittedJob.run(work, "last", train(dir, "--resume"));
        assertEquals(0, last.exitCode(), last.output());
        assertTrue(last.stderr().contains("taking over the stale lock") && last.stderr().contains("never finished"), last.stderr());
        assertFalse(Files.exists(paused.getParent()), "the dead writer's leftover is removed");
        TrainRuns.assertSameState(reference, load(dir.resolve(step(STEPS))));
        List<Long> steps = TrainRuns.jsonLines(dir.resolve("metrics.jsonl")).stream()
                .map(line -> ((Number) line.get("step")).longValue()).toList();
        assertEquals(LongStream.rangeClosed(1, STEPS).boxed().toList(), steps, "the metrics file holds each step once");
    }

    /** The one {@code amp: error:} line a refused job prints. */
    private static String errorLine(SubmittedJob.Result result) {
        List<String> errors = result.stderr().lines().filter(l -> l.startsWith("amp: ")).toList();
        assertEquals(1, errors.size(), result.stderr());
        assertTrue(errors.get(0).startsWith("amp: error: "), errors.get(0));
        return errors.get(0);
    }

    /** The PAUSED marker of the paused write of step {@code at}, if it is there yet. */
    private static Optional<Path> pausedWrite(Path dir, long at) {
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("_tmp-" + step(at) + "-"))
                    .map(p -> p.resolve("PAUSED")).filter(Files::exists).findFirst();
        } catch (IOException e) {
            return Optional.empty(); // a directory listed while Spark renames its files
        }
    }

    private static Optional<Boolean> metricsReached(Path dir, long step) {
        Path metrics = dir.resolve("metrics.jsonl");
        try {
            return Files.exists(metrics) && Files.readString(metrics).contains("{\"step\":" + step + ",")
                    ? Optional.of(true) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Polls {@code probe} every 20 ms until it gives a value; fails when the job ends first or after 4 minutes. */
    private static <T> T waitFor(SubmittedJob job, Supplier<Optional<T>> probe, String what) throws Exception {
        long deadline = System.nanoTime() + 240_000_000_000L;
        while (System.nanoTime() < deadline) {
            Optional<T> value = probe.get();
            if (value.isPresent()) {
                return value.get();
            }
            if (!job.process().isAlive()) {
                throw new AssertionError("the job ended before " + what + ": " + job.result().output());
            }
            Thread.sleep(20);
        }
        job.process().destroyForcibly();
        throw new AssertionError("waited 4 minutes for " + what);
    }
}
