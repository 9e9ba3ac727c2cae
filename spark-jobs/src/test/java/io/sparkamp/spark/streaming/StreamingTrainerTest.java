package io.sparkamp.spark.streaming;

import static io.sparkamp.spark.TrainRuns.assertSameState;
import static io.sparkamp.spark.TrainRuns.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Continuous training through the public surface ({@link StreamTrainCommand#run} and
 * {@link StreamingTrainer}) in local[2]: files landing while the query runs are each trained on once;
 * {@code available-now} over a directory gives the same bits as {@code amp train} over it; bad rows in
 * a new file fail that micro-batch naming the file and row, with nothing committed; and a query killed
 * in the middle of a micro-batch or between the model commit and Spark's commit, then restarted, ends
 * with the same bits as a query that never stopped (with a replay window, so replayed rows must be the
 * same too).
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
class StreamingTrainerTest extends AmpSparkTestBase {
    @TempDir
    static Path tmp;

    /** fp16 with a loss scale that starts too high (steps skipped, scale backs off) and grows every 5 clean steps. */
    private static final List<String> MOVING_STATE = List.of("model", StreamFiles.MODEL, "precision", "fp16",
            "loss-scale-init", "4194304", "loss-scale-growth-interval", "5", "optimizer", "adam", "lr", "0.01",
            "batch-size", "24", "micro-batch-size", "8", "partitions", "2", "seed", "7");

    @AfterEach
    void disarm() {
        StreamFaults.disarm();
    }

    private static Settings settings(Path watched, Path checkpoints, String... more) {
        List<String> kv = new ArrayList<>(MOVING_STATE);
        kv.addAll(List.of("data", watched.toString(), "checkpoint-dir", checkpoints.toString()));
        kv.addAll(List.of(more));
        return TrainRuns.settings(kv.toArray(new String[0]));
    }

    private Map<String, Object> streamTrain(Settings settings) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            Map<String, Object> summary = StreamTrainCommand.run(StreamConfig.from(settings), spark(), out);
            Map<String, Object> printed = TrainRuns.lastJsonLine(bytes.toString(StandardCharsets.UTF_8));
            assertEquals(num(summary, "last_batch_id"), num(printed, "last_batch_id"), 0, "the printed summary");
            return summary;
        }
    }

    private Checkpoint newestCommit(Path checkpoints) {
        return new CheckpointStore(spark(), checkpoints.resolve("model").toString()).loadNewest().orElseThrow();
    }

    private static List<Map<String, Object>> batches(Path checkpoints) {
        return TrainRuns.jsonLines(checkpoints.resolve("micro-batches.jsonl"));
    }

    /** A fresh run's directories: {@code watched} (new files land there) and {@code checkpoints}, both under {@code root}. */
    private record Run(Path root, Path watched, Path checkpoints) {
    }

    /** A fresh run whose watched directory holds one file of 40 rows. */
    private Run oneFileRun(String name, String firstFile, long seed) throws Exception {
        Path root = newFolder(tmp, name).toPath();
        Run run = new Run(root, root.resolve("incoming"), root.resolve("run"));
        StreamFiles.drop(spark(), run.watched(), firstFile, 40, seed, 0, null);
        return run;
    }

    /** Three files of different sizes (so Spark's file order is fixed), 1 s apart. */
    private Path threeFiles(String name) throws Exception {
        Path dir = newFolder(tmp, name).toPath().resolve("incoming");
        StreamFiles.drop(spark(), dir, "a", 60, 1, 0, null);
        StreamFiles.drop(spark(), dir, "b", 50, 2, 1, null);
        StreamFiles.drop(spark(), dir, "c", 70, 3, 2, null);
        return dir;
    }

    @Test
    void filesLandingWhileTheQueryRunsAreEachTrainedOnce() throws Exception {
        Run run = oneFileRun("landing", "f0", 10);
        Path watched = run.watched();
        Path checkpoints = run.checkpoints();
        StreamConfig config = StreamConfig.from(settings(watched, checkpoints, "trigger", "300ms", "steps-per-batch", "2"));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int[] sizes = {40, 30, 50, 20};
        try (StreamingTrainer trainer = new StreamingTrainer(spark(), config, new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            StreamingQuery query = trainer.start();
            try {
                for (int f = 1; f < sizes.length; f++) {
                    StreamFiles.waitFor(() -> trainer.lastAppliedBatch() >= 0, query, "the first micro-batch");
                    StreamFiles.drop(spark(), watched, "f" + f, sizes[f], 10 + f, f, null);
                    Thread.sleep(400);
                }
                StreamFiles.waitFor(() -> batchesRows(checkpoints) == 140, query, "every landed row to be trained on");
            } finally {
                query.stop();
            }
            Map<String, Object> summary = trainer.awaitCompletion(query);
            assertEquals(140L, ((Number) summary.get("rows")).longValue());
        }
        List<Map<String, Object>> lines = batches(checkpoints);
        Set<String> files = new HashSet<>();
        long previousBatch = -1;
        long previousStep = 0;
        for (Map<String, Object> line : lines) {
            long id = ((Number) line.get("batch_id")).longValue();
            Assertions.assertTrue(id > previousBatch, "batch ids increase: " + lines);
            previousBatch = id;
            assertEquals(previousStep + 1, ((Number) line.get("first_step")).longValue(), "steps follow on");
            previousStep = ((Number) line.get("last_step")).longValue();
            assertEquals(2L, ((Number) line.get("steps")).longValue());
            @SuppressWarnings("unchecked")
            List<String> batchFiles = (List<String>) line.get("files");
            long expectedRows = 0;
            for (String file : batchFiles) {
                Assertions.assertTrue(files.add(file), "each file trained on once: " + file + " in " + lines);
                expectedRows += sizes[Integer.parseInt(file.replaceAll(".*/f(\\d+)\\.parquet$", "$1"))];
            }
            assertEquals(expectedRows, ((Number) line.get("rows")).longValue(), "rows of micro-batch " + id);
        }
        assertEquals(4, files.size(), "every file trained on: " + files);
        assertEquals(previousStep, newestCommit(checkpoints).steps());
        assertEquals(previousBatch, Long.parseLong(newestCommit(checkpoints).state().extras().get(ModelCommits.LAST_BATCH_ID)));
        String text = progress.toString(StandardCharsets.UTF_8);
        Assertions.assertTrue(text.matches("(?s)batch 0  rows 40  steps 2 \\(1-2\\)  loss \\S+  scale \\S+  skipped \\d  \\d+ samples/s  committed in \\d+\\.\\d\\d s\n.*"), text);
    }

    private static long batchesRows(Path checkpoints) {
        if (!Files.exists(checkpoints.resolve("micro-batches.jsonl"))) {
            return 0;
        }
        return batches(checkpoints).stream().mapToLong(l -> ((Number) l.get("rows")).longValue()).sum();
    }

    /**
     * The step plan is the same when the stream's first micro-batch holds every file (available-now, no
     * max-files-per-trigger), the cached partitions are the same (same partitions setting, files of
     * distinct sizes so Spark orders them the same way in both reads), the seed is the same and the
     * schedule spans the same steps: then the stream trains exactly as {@code amp train} does.
     */
    @Test
    void availableNowOverADirectoryEqualsBatchTrainingOverIt() throws Exception {
        Path watched = threeFiles("equivalence");
        Path batchDir = newFolder(tmp, "equivalence-batch").toPath();
        List<String> kv = new ArrayList<>(MOVING_STATE);
        kv.addAll(List.of("data", watched.toString(), "steps", "9", "schedule", "cosine", "warmup-steps", "2",
                "checkpoint-dir", batchDir.toString(), "log-every", "1000"));
        TrainRuns.Run batch = TrainRuns.train(spark(), TrainRuns.settings(kv.toArray(new String[0])));

        Path checkpoints = newFolder(tmp, "equivalence-stream").toPath();
        Map<String, Object> summary = streamTrain(settings(watched, checkpoints, "trigger", "available-now",
                "steps-per-batch", "9", "schedule", "cosine", "warmup-steps", "2", "schedule-steps", "9"));
        assertEquals(1L, ((Number) summary.get("batches_applied")).longValue());
        assertEquals(180L, ((Number) summary.get("rows")).longValue());
        Checkpoint expected = TrainRuns.load(spark(), batch.checkpoint());
        Assertions.assertTrue(expected.skippedSteps() > 0 && expected.optimizerSteps() > 0, "the run skipped steps and applied others");
        assertSameState(expected, newestCommit(checkpoints));
    }

    @Test
    void badRowsInANewFileFailTheMicroBatchNamingFileAndRowAndCommitNothing() throws Exception {
        Run run = oneFileRun("bad-rows", "good-0", 1);
        Path watched = run.watched();
        Path checkpoints = run.checkpoints();
        Settings settings = settings(watched, checkpoints, "trigger", "available-now", "steps-per-batch", "2");
        streamTrain(settings);
        Checkpoint before = newestCommit(checkpoints);
        assertEquals("0", before.state().extras().get(ModelCommits.LAST_BATCH_ID));

        StreamFiles.drop(spark(), watched, "good-1", 30, 2, 1, null);
        Path bad = StreamFiles.drop(spark(), watched, "bad-2", 25, 3, 2, (i, row) -> {
            if (i != 17) {
                return row;
            }
            Float[] x = ((Float[]) row.get(1)).clone();
            x[5] = Float.NaN;
            return RowFactory.create(row.getInt(0), x);
        });
        try {
            streamTrain(settings);
            Assertions.fail("a micro-batch with a NaN feature must fail");
        } catch (ConfigException e) {
            String m = e.getMessage();
            Assertions.assertTrue(m.startsWith("micro-batch 1 of parquet " + watched), m);
            Assertions.assertTrue(m.contains(bad.getFileName().toString()), "names the file: " + m);
            Assertions.assertTrue(m.contains("first at row 17 of"), "names the row within the file: " + m);
            Assertions.assertTrue(m.contains("element 5"), "names the element: " + m);
            Assertions.assertTrue(m.contains("No update from micro-batch 1 was committed"), m);
        }
        Checkpoint after = newestCommit(checkpoints);
        assertEquals(before.path(), after.path());
        assertSameState(before, after);
        assertEquals(1, batches(checkpoints).size(), "one micro-batch line: the failed one wrote none");
    }

    @Test
    void restartAfterTheModelCommitSkipsTheMicroBatchSparkRedelivers() throws Exception {
        assertRestartGivesTheSameBits(StreamFaults.Point.AFTER_MODEL_COMMIT, "after-commit");
    }

    @Test
    void restartInTheMiddleOfAMicroBatchAppliesItOnce() throws Exception {
        assertRestartGivesTheSameBits(StreamFaults.Point.MID_BATCH, "mid-batch");
    }

    private Settings oneFilePerBatch(Path watched, Path checkpoints) {
        return settings(watched, checkpoints, "trigger", "available-now", "max-files-per-trigger", "1",
                "steps-per-batch", "4", "replay-batches", "1");
    }

    private Checkpoint uninterrupted(Path watched) throws Exception {
        Path checkpoints = newFolder(tmp).toPath();
        streamTrain(oneFilePerBatch(watched, checkpoints));
        return newestCommit(checkpoints);
    }

    private void assertRestartGivesTheSameBits(StreamFaults.Point point, String name) throws Exception {
        Path watched = threeFiles(name);
        Checkpoint reference = uninterrupted(watched);
        assertEquals("2", reference.state().extras().get(ModelCommits.LAST_BATCH_ID));
        assertEquals(12, reference.steps());

        Path checkpoints = newFolder(tmp, name + "-run").toPath();
        StreamFaults.arm(point, 1);
        try {
            streamTrain(oneFilePerBatch(watched, checkpoints));
            Assertions.fail("the armed fault must stop the query");
        } catch (IllegalStateException e) {
            Assertions.assertTrue(e.getMessage().contains("micro-batch 1") && e.getMessage().contains("injected fault"), e.getMessage());
        }
        long sparkCommitted = StreamCheckpoints.lastSparkCommit(spark(), checkpoints.resolve("stream").toString());
        assertEquals(0, sparkCommitted, "Spark never committed micro-batch 1");
        String modelHolds = newestCommit(checkpoints).state().extras().get(ModelCommits.LAST_BATCH_ID);
        assertEquals(point == StreamFaults.Point.AFTER_MODEL_COMMIT ? "1" : "0", modelHolds);

        Map<String, Object> resumed = streamTrain(oneFilePerBatch(watched, checkpoints));
        assertEquals(point == StreamFaults.Point.AFTER_MODEL_COMMIT ? 1L : 0L, ((Number) resumed.get("batches_skipped")).longValue());
        assertSameState(reference, newestCommit(checkpoints));
        List<Long> applied = new ArrayList<>();
        for (Map<String, Object> line : batches(checkpoints)) {
            applied.add(((Number) line.get("batch_id")).longValue());
        }
        assertEquals(List.of(0L, 1L, 2L), applied, "each micro-batch applied once");
        List<Map<String, Object>> lines = batches(checkpoints);
        assertEquals(50 + 60, num(lines.get(1), "training_rows"), 0, "micro-batch 1 replays micro-batch 0's 60 rows");
        assertFalse(Files.exists(checkpoints.resolve("replay").resolve("batch-0")));
    }

    /**
     * A file that is not Parquet lands: with the stream's columns given, the micro-batch that takes it fails
     * naming the file and nothing is committed; without them, the columns are read from the files present
     * when the stream starts, and that read fails naming the file.
     */
    @Test
    void anUnreadableFileFailsTheMicroBatchNamingTheFileAndCommitsNothing() throws Exception {
        Run run = oneFileRun("unreadable", "good-0", 1);
        Path watched = run.watched();
        Path checkpoints = run.checkpoints();
        Settings settings = settings(watched, checkpoints, "trigger", "available-now", "steps-per-batch", "2",
                "schema", "label INT, features ARRAY<FLOAT>");
        streamTrain(settings);
        Checkpoint before = newestCommit(checkpoints);

        Path staging = run.root().resolve("broken.parquet");
        Files.writeString(staging, "these bytes are not a Parquet file, though the name says so");
        Path broken = Files.move(staging, watched.resolve("broken.parquet"));
        ConfigException e = assertThrows(ConfigException.class, () -> streamTrain(settings));
        String m = e.getMessage();
        Assertions.assertTrue(m.startsWith("micro-batch 1 of parquet " + watched), m);
        Assertions.assertTrue(m.contains("cannot read parquet file") && m.contains(broken.getFileName().toString()), "names the file: " + m);
        Assertions.assertTrue(m.contains("No update from micro-batch 1 was committed"), m);
        assertSameState(before, newestCommit(checkpoints));
        assertEquals(before.path(), newestCommit(checkpoints).path());
        assertEquals(0, StreamCheckpoints.lastSparkCommit(spark(), checkpoints.resolve("stream").toString()));
        assertEquals(1, batches(checkpoints).size(), "the failed micro-batch wrote no line");

        ConfigException atStart = assertThrows(ConfigException.class,
                () -> streamTrain(settings(watched, checkpoints, "trigger", "available-now", "steps-per-batch", "2")));
        Assertions.assertTrue(atStart.getMessage().contains("cannot read parquet file")
                && atStart.getMessage().contains(broken.getFileName().toString()), atStart.getMessage());
        assertEquals(before.path(), newestCommit(checkpoints).path());
    }

    /**
     * One run at a time per checkpoint directory: while a trainer holds it, a second is refused, naming the
     * directory and the holder; once the first is closed the directory is free again. The second run names the
     * directory as a file: URI, so the model commits, Spark's checkpoint and micro-batches.jsonl all go through
     * Hadoop's FileSystem.
     */
    @Test
    void aSecondRunOnTheSameCheckpointDirectoryIsRefusedWhileTheFirstHoldsIt() throws Exception {
        Run run = oneFileRun("locked", "a", 1);
        Path watched = run.watched();
        Path checkpoints = run.checkpoints();
        StreamConfig config = StreamConfig.from(settings(watched, checkpoints, "trigger", "available-now", "steps-per-batch", "2"));
        PrintStream quiet = new PrintStream(java.io.OutputStream.nullOutputStream());
        try (StreamingTrainer first = new StreamingTrainer(spark(), config, quiet)) {
            ConfigException e = assertThrows(ConfigException.class, () -> new StreamingTrainer(spark(), config, quiet));
            Assertions.assertTrue(e.getMessage().startsWith("checkpoint directory " + checkpoints + " is in use by another run: pid "
                    + ProcessHandle.current().pid()), e.getMessage());
            assertEquals(-1, first.lastAppliedBatch());
        }
        assertFalse(Files.exists(checkpoints.resolve("_lock")), "released on close");

        String uri = checkpoints.toUri().toString();
        Assertions.assertTrue(uri.startsWith("file:/"), uri);
        Map<String, Object> summary = streamTrain(settings(watched, Path.of("unused"), "checkpoint-dir", uri, "trigger",
                "available-now", "steps-per-batch", "2"));
        assertEquals(0, num(summary, "last_batch_id"), 0);
        List<Map<String, Object>> lines = batches(checkpoints);
        assertEquals(1, lines.size(), lines.toString());
        assertEquals(40, num(lines.get(0), "rows"), 0);
        assertEquals(2, newestCommit(checkpoints).steps());
    }

    /**
     * An empty file makes an empty micro-batch: nothing is trained, but it is recorded as applied before Spark
     * commits it, so the last applied id keeps up with Spark's commit log. Killed right after that record, a
     * restart skips the redelivered empty micro-batch (it is in the metrics once) and ends with the bits of a
     * run that never stopped.
     */
    @Test
    void anEmptyMicroBatchIsRecordedAsAppliedAndARestartAfterItGivesTheSameBits() throws Exception {
        Path watched = newFolder(tmp, "empty").toPath().resolve("incoming");
        StreamFiles.drop(spark(), watched, "a", 60, 1, 0, null);
        StreamFiles.drop(spark(), watched, "b-empty", 0, 2, 1, null);
        StreamFiles.drop(spark(), watched, "c", 70, 3, 2, null);

        Path straight = newFolder(tmp, "empty-straight").toPath();
        Map<String, Object> uninterrupted = streamTrain(oneFilePerBatch(watched, straight));
        assertEquals(2, num(uninterrupted, "last_batch_id"), 0);
        assertEquals(3, num(uninterrupted, "batches_applied"), 0);
        assertEquals(130, num(uninterrupted, "rows"), 0);
        List<Map<String, Object>> lines = batches(straight);
        assertEquals(List.of(4L, 0L, 4L), lines.stream().map(l -> ((Number) l.get("steps")).longValue()).toList(), lines.toString());
        assertEquals(0, num(lines.get(1), "rows"), 0);
        Checkpoint reference = newestCommit(straight);
        assertEquals(8, reference.steps());
        assertEquals(2, StreamCheckpoints.lastSparkCommit(spark(), straight.resolve("stream").toString()));

        Path checkpoints = newFolder(tmp, "empty-killed").toPath();
        StreamFaults.arm(StreamFaults.Point.AFTER_MODEL_COMMIT, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> streamTrain(oneFilePerBatch(watched, checkpoints)));
        Assertions.assertTrue(e.getMessage().contains("injected fault") && e.getMessage().contains("micro-batch 1"), e.getMessage());
        assertEquals(0, StreamCheckpoints.lastSparkCommit(spark(), checkpoints.resolve("stream").toString()));
        assertEquals("0", newestCommit(checkpoints).state().extras().get(ModelCommits.LAST_BATCH_ID), "no checkpoint for it");

        Map<String, Object> resumed = streamTrain(oneFilePerBatch(watched, checkpoints));
        assertEquals(1, num(resumed, "batches_skipped"), 0, "the redelivered empty micro-batch is skipped");
        assertEquals(1, num(resumed, "batches_applied"), 0);
        assertSameState(reference, newestCommit(checkpoints));
        assertEquals(List.of(0L, 1L, 2L), batches(checkpoints).stream().map(l -> ((Number) l.get("batch_id")).longValue()).toList());
        try (var left = Files.list(checkpoints.resolve("model"))) {
            assertEquals(List.of(), left.map(p -> p.getFileName().toString()).filter(n -> n.contains("empty")).toList(),
                    "the commit after the empty micro-batch holds it: its record is gone");
        }
    }

    /** The rate source drives the Java API with any streaming DataFrame; max-batches stops the query. */
    @Test
    void rateSourceStreamTrainsUntilMaxBatches() throws Exception {
        Path checkpoints = newFolder(tmp, "rate").toPath();
        Dataset<Row> stream = StreamFiles.rateRows(spark(), 40).drop("value");
        StreamConfig config = StreamConfig.from(settings(checkpoints.resolve("unused"), checkpoints, "trigger", "1s",
                "steps-per-batch", "1", "max-batches", "2"));
        try (StreamingTrainer trainer = new StreamingTrainer(spark(), config, new PrintStream(java.io.OutputStream.nullOutputStream()))) {
            Map<String, Object> summary = trainer.awaitCompletion(trainer.start(stream));
            Assertions.assertTrue(((Number) summary.get("batches_applied")).longValue() >= 2, summary.toString());
            assertEquals(trainer.lastAppliedBatch(), ((Number) summary.get("last_batch_id")).longValue());
            Assertions.assertTrue(((Number) summary.get("rows")).longValue() > 0, summary.toString());
        }
        List<Map<String, Object>> lines = batches(checkpoints);
        Assertions.assertTrue(lines.size() >= 2, lines.toString());
        assertEquals(List.of(), lines.get(0).get("files"), "no files behind a rate source");
    }
}
