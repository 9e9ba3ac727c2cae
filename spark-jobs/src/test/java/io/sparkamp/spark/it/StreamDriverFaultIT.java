package io.sparkamp.spark.it;

import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.cli.CommandLine;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.streaming.StreamConfig;
import io.sparkamp.spark.streaming.StreamFaults;
import io.sparkamp.spark.streaming.StreamFiles;
import io.sparkamp.spark.streaming.StreamTrainCommand;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code amp stream-train}'s driver JVM killed ({@link Runtime#halt}, as a kill -9 would stop it: no shutdown hook,
 * nothing flushed) between a micro-batch's model commit and Spark's commit of it, and in the middle of a
 * micro-batch, then started again on the same checkpoint directory: the final master weights, optimizer slots
 * and scaler state are bit-identical to an uninterrupted run over the same files (trained in this JVM), and each
 * micro-batch is in the metrics once. The killed and restarted runs are {@code spark-submit} JVMs of the job jar
 * ({@link SubmittedJob}); the kill comes from the stream's test hook ({@link StreamFaults#HALT_PROPERTY}).
 */
class StreamDriverFaultIT {
    private static final int KILLED = 137;

    @TempDir
    static Path work;
    private static SparkSession spark;
    private static Path watched;
    /** The uninterrupted run's newest model commit. */
    private static Checkpoint reference;

    @BeforeAll
    static void filesAndTheUninterruptedRun() {
        SparkConf conf = new SparkConf().setMaster("local[2]").setAppName("StreamDriverFaultIT").set("spark.ui.enabled", "false");
        spark = SparkSession.builder().config(SparkSessions.applyKryoDefaults(conf)).getOrCreate();
        watched = work.resolve("incoming");
        StreamFiles.drop(spark, watched, "a", 60, 1, 0, null); // sizes differ, mtimes 1 s apart: Spark's file order is fixed
        StreamFiles.drop(spark, watched, "b", 50, 2, 1, null);
        StreamFiles.drop(spark, watched, "c", 70, 3, 2, null);
        Path dir = work.resolve("uninterrupted");
        String[] args = streamTrain(dir);
        StreamTrainCommand.run(StreamConfig.from(CommandLine.parse(args).settings()), spark,
                new PrintStream(OutputStream.nullOutputStream()));
        reference = newestCommit(dir);
        assertEquals("2", lastBatchId(reference));
        assertEquals(12, reference.steps());
        assertTrue(reference.skippedSteps() > 0 && reference.optimizerSteps() > 0,
                "the run skips and applies steps, so the scaler state matters: " + reference.scaler());
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
    }

    /**
     * One micro-batch per file, 4 steps each, each trained with the previous micro-batch's rows (replay); fp16 with a
     * dynamic scale that starts too high, the Java kernel (the same in every JVM).
     */
    private static String[] streamTrain(Path dir) {
        return new String[] {"stream-train", "--data", watched.toString(), "--checkpoint-dir", dir.toString(),
                "--trigger", "available-now", "--max-files-per-trigger", "1", "--steps-per-batch", "4", "--replay-batches", "1",
                "--model", StreamFiles.MODEL, "--precision", "fp16", "--loss-scale-init", "4194304",
                "--loss-scale-growth-interval", "5", "--optimizer", "adam", "--lr", "0.01", "--batch-size", "24",
                "--micro-batch-size", "8", "--partitions", "2", "--seed", "7", "--kernel", "java"};
    }

    /**
     * One run killed twice: in the middle of micro-batch 1 (after its first optimizer step: the model commit still
     * holds micro-batch 0, and Spark redelivers micro-batch 1, which is applied once), then, restarted, between the
     * model commit of micro-batch 2 and Spark's commit of it (the restarted run is handed micro-batch 2 again and
     * skips it). Each JVM start costs seconds, so the two kill points share one run.
     */
    @Test
    void killedMidBatchAndBetweenTheCommitsThenRestartedBitIdentically() throws Exception {
        Path dir = work.resolve("killed");
        SubmittedJob.Result midBatch = kill(dir, StreamFaults.Point.MID_BATCH, 1);
        assertEquals("0", lastBatchId(newestCommit(dir)), "the mid-batch kill left the commit of micro-batch 0");
        assertEquals(List.of(0L), sparkCommits(dir), "Spark never committed micro-batch 1");
        assertTrue(Files.exists(dir.resolve("_lock")), "the killed run's lock is still there");

        SubmittedJob.Result betweenCommits = kill(dir, StreamFaults.Point.AFTER_MODEL_COMMIT, 2);
        assertTrue(betweenCommits.stderr().contains("taking over the stale lock"), betweenCommits.stderr());
        assertEquals("2", lastBatchId(newestCommit(dir)), "micro-batch 2's model commit was written");
        assertEquals(List.of(0L, 1L), sparkCommits(dir), "Spark never committed micro-batch 2");
        assertTrue(midBatch.stdout().isBlank() && betweenCommits.stdout().isBlank(), "killed runs print no summary");

        SubmittedJob.Result restarted = SubmittedJob.run(work, "restarted", streamTrain(dir));
        assertEquals(0, restarted.exitCode(), restarted.output());
        assertTrue(restarted.stderr().contains("taking over the stale lock"), restarted.stderr());
        Map<String, Object> summary = TrainRuns.lastJsonLine(restarted.stdout());
        assertEquals(1, TrainRuns.num(summary, "batches_skipped"), 0, "micro-batch 2 redelivered and skipped: " + summary);
        assertEquals(0, TrainRuns.num(summary, "batches_applied"), 0, summary.toString());
        assertEquals(2, TrainRuns.num(summary, "last_batch_id"), 0, summary.toString());
        TrainRuns.assertSameState(reference, newestCommit(dir));
        List<Long> applied = new ArrayList<>();
        for (Map<String, Object> line : TrainRuns.jsonLines(dir.resolve("micro-batches.jsonl"))) {
            applied.add(((Number) line.get("batch_id")).longValue());
        }
        assertEquals(List.of(0L, 1L, 2L), applied, "each micro-batch applied once");
        assertEquals(List.of(0L, 1L, 2L), sparkCommits(dir), "Spark's commit log agrees with the model");
        assertTrue(Files.notExists(dir.resolve("_lock")), "the lock is released at the end");
    }

    /** Runs stream-train on {@code dir} until the hook halts its JVM at {@code point} of micro-batch {@code batchId}. */
    private static SubmittedJob.Result kill(Path dir, StreamFaults.Point point, long batchId) throws Exception {
        SubmittedJob.Result killed = SubmittedJob.start(work, point + "-" + batchId,
                List.of("-D" + StreamFaults.HALT_PROPERTY + "=" + point + ":" + batchId), streamTrain(dir)).waitFor();
        assertEquals(KILLED, killed.exitCode(), killed.output());
        return killed;
    }

    private static Checkpoint newestCommit(Path dir) {
        return new CheckpointStore(spark, dir.resolve("model").toString()).loadNewest().orElseThrow();
    }

    private static String lastBatchId(Checkpoint commit) {
        return commit.state().extras().get("stream_last_batch_id");
    }

    /** The micro-batch ids in Spark's commit log, in order. */
    private static List<Long> sparkCommits(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("stream").resolve("commits"))) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+")).map(Long::parseLong).sorted().toList();
        }
    }
}
