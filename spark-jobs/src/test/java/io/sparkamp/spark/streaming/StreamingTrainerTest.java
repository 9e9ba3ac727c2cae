package io.sparkamp.spark.streaming;

import static io.sparkamp.spark.TrainRuns.assertSameState;
import static io.sparkamp.spark.TrainRuns.num;
import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;

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
import org.junit.After;
import org.junit.ClassRule;
import org.junit.Test;
import org.junit.rules.TemporaryFolder;

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
public class StreamingTrainerTest extends AmpSparkTestBase {
    @ClassRule
    public static final TemporaryFolder TMP = new TemporaryFolder();

    /** fp16 with a loss scale that starts too high (steps skipped, scale backs off) and grows every 5 clean steps. */
    private static final List<String> MOVING_STATE = List.of("model", StreamFiles.MODEL, "precision", "fp16",
            "loss-scale-init", "4194304", "loss-scale-growth-interval", "5", "optimizer", "adam", "lr", "0.01",
            "batch-size", "24", "micro-batch-size", "8", "partitions", "2", "seed", "7");

    @After
    public void disarm() {
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
            assertEquals("the printed summary", num(summary, "last_batch_id"), num(printed, "last_batch_id"), 0);
            return summary;
        }
    }

    private Checkpoint newestCommit(Path checkpoints) {
        return new CheckpointStore(spark(), checkpoints.resolve("model").toString()).loadNewest().orElseThrow();
    }

    private static List<Map<String, Object>> batches(Path checkpoints) {
        return TrainRuns.jsonLines(checkpoints.resolve("micro-batches.jsonl"));
    }

    /** Three files of different sizes (so Spark's file order is fixed), 1 s apart. */
    private Path threeFiles(String name) throws Exception {
        Path dir = TMP.newFolder(name).toPath().resolve("incoming");
        StreamFiles.drop(spark(), dir, "a", 60, 1, 0, null);
        StreamFiles.drop(spark(), dir, "b", 50, 2, 1, null);
        StreamFiles.drop(spark(), dir, "c", 70, 3, 2, null);
        return dir;
    }

    @Test
    public void filesLandingWhileTheQueryRunsAreEachTrainedOnce() throws Exception {
        Path root = TMP.newFolder("landing").toPath();
        Path watched = root.resolve("incoming");
        Path checkpoints = root.resolve("run");
        StreamFiles.drop(spark(), watched, "f0", 40, 10, 0, null);
        StreamConfig config = StreamConfig.from(settings(watched, checkpoints, "trigger", "300ms", "steps-per-batch", "2"));
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        int[] sizes = {40, 30, 50, 20};
        try (StreamingTrainer trainer = new StreamingTrainer(spark(), config, new PrintStream(progress, true, StandardCharsets.UTF_8))) {
            StreamingQuery query = trainer.start();
            try {
                for (int f = 1; f < sizes.length; f++) {
                    waitFor(() -> trainer.lastAppliedBatch() >= 0, query, "the first micro-batch");
                    StreamFiles.drop(spark(), watched, "f" + f, sizes[f], 10 + f, f, null);
                    Thread.sleep(400);
                }
                waitFor(() -> batchesRows(checkpoints) == 140, query, "every landed row to be trained on");
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
            org.junit.Assert.assertTrue("batch ids increase: " + lines, id > previousBatch);
            previousBatch = id;
            assertEquals("steps follow on", previousStep + 1, ((Number) line.get("first_step")).longValue());
            previousStep = ((Number) line.get("last_step")).longValue();
            assertEquals(2L, ((Number) line.get("steps")).longValue());
            @SuppressWarnings("unchecked")
            List<String> batchFiles = (List<String>) line.get("files");
            long expectedRows = 0;
            for (String file : batchFiles) {
                org.junit.Assert.assertTrue("each file trained on once: " + file + " in " + lines, files.add(file));
                expectedRows += sizes[Integer.parseInt(file.replaceAll(".*/f(\\d+)\\.parquet$", "$1"))];
            }
            assertEquals("rows of micro-batch " + id, expectedRows, ((Number) line.get("rows")).longValue());
        }
        assertEquals("every file trained on: " + files, 4, files.size());
        assertEquals(previousStep, newestCommit(checkpoints).steps());
        assertEquals(previousBatch, Long.parseLong(newestCommit(checkpoints).state().extras().get(ModelCommits.LAST_BATCH_ID)));
        String text = progress.toString(StandardCharsets.UTF_8);
        org.junit.Assert.assertTrue(text, text.matches("(?s)batch 0  rows 40  steps 2 \\(1-2\\)  loss \\S+  scale \\S+  skipped \\d  \\d+ samples/s  committed in \\d+\\.\\d\\d s\n.*"));
    }

    private static long batchesRows(Path checkpoints) {
        if (!Files.exists(checkpoints.resolve("micro-batches.jsonl"))) {
            return 0;
        }
        return batches(checkpoints).stream().mapToLong(l -> ((Number) l.get("rows")).longValue()).sum();
    }

    private static void waitFor(java.util.function.BooleanSupplier done, StreamingQuery query, String what) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!done.getAsBoolean()) {
            if (!query.isActive()) {
                query.awaitTermination();
                org.junit.Assert.fail("the query stopped while waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                org.junit.Assert.fail("timed out waiting for " + what);
            }
            Thread.sleep(100);
        }
    }

    /**
     * The step plan is the same when the stream's first micro-batch holds every file (available-now, no
     * max-files-per-trigger), the cached partitions are the same (same partitions setting, files of
     * distinct sizes so Spark orders them the same way in both reads), the seed is the same and the
     * schedule spans the same steps: then the stream trains exactly as {@code amp train} does.
     */
    @Test
    public void availableNowOverADirectoryEqualsBatchTrainingOverIt() throws Exception {
        Path watched = threeFiles("equivalence");
        Path batchDir = TMP.newFolder("equivalence-batch").toPath();
        List<String> kv = new ArrayList<>(MOVING_STATE);
        kv.addAll(List.of("data", watched.toString(), "steps", "9", "schedule", "cosine", "warmup-steps", "2",
                "checkpoint-dir", batchDir.toString(), "log-every", "1000"));
        TrainRuns.Run batch = TrainRuns.train(spark(), TrainRuns.settings(kv.toArray(new String[0])));

        Path checkpoints = TMP.newFolder("equivalence-stream").toPath();
        Map<String, Object> summary = streamTrain(settings(watched, checkpoints, "trigger", "available-now",
                "steps-per-batch", "9", "schedule", "cosine", "warmup-steps", "2", "schedule-steps", "9"));
        assertEquals(1L, ((Number) summary.get("batches_applied")).longValue());
        assertEquals(180L, ((Number) summary.get("rows")).longValue());
        Checkpoint expected = TrainRuns.load(spark(), batch.checkpoint());
        org.junit.Assert.assertTrue("the run skipped steps and applied others", expected.skippedSteps() > 0 && expected.optimizerSteps() > 0);
        assertSameState(expected, newestCommit(checkpoints));
    }

    @Test
    public void badRowsInANewFileFailTheMicroBatchNamingFileAndRowAndCommitNothing() throws Exception {
        Path root = TMP.newFolder("bad-rows").toPath();
        Path watched = root.resolve("incoming");
        Path checkpoints = root.resolve("run");
        StreamFiles.drop(spark(), watched, "good-0", 40, 1, 0, null);
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
            org.junit.Assert.fail("a micro-batch with a NaN feature must fail");
        } catch (ConfigException e) {
            String m = e.getMessage();
            org.junit.Assert.assertTrue(m, m.startsWith("micro-batch 1 of parquet " + watched));
            org.junit.Assert.assertTrue("names the file: " + m, m.contains(bad.getFileName().toString()));
            org.junit.Assert.assertTrue("names the row within the file: " + m, m.contains("first at row 17 of"));
            org.junit.Assert.assertTrue("names the element: " + m, m.contains("element 5"));
            org.junit.Assert.assertTrue(m, m.contains("No update from micro-batch 1 was committed"));
        }
        Checkpoint after = newestCommit(checkpoints);
        assertEquals(before.path(), after.path());
        assertSameState(before, after);
        assertEquals("one micro-batch line: the failed one wrote none", 1, batches(checkpoints).size());
    }

    @Test
    public void restartAfterTheModelCommitSkipsTheMicroBatchSparkRedelivers() throws Exception {
        assertRestartGivesTheSameBits(StreamFaults.Point.AFTER_MODEL_COMMIT, "after-commit");
    }

    @Test
    public void restartInTheMiddleOfAMicroBatchAppliesItOnce() throws Exception {
        assertRestartGivesTheSameBits(StreamFaults.Point.MID_BATCH, "mid-batch");
    }

    private Settings oneFilePerBatch(Path watched, Path checkpoints) {
        return settings(watched, checkpoints, "trigger", "available-now", "max-files-per-trigger", "1",
                "steps-per-batch", "4", "replay-batches", "1");
    }

    private Checkpoint uninterrupted(Path watched) throws Exception {
        Path checkpoints = TMP.newFolder().toPath();
        streamTrain(oneFilePerBatch(watched, checkpoints));
        return newestCommit(checkpoints);
    }

    private void assertRestartGivesTheSameBits(StreamFaults.Point point, String name) throws Exception {
        Path watched = threeFiles(name);
        Checkpoint reference = uninterrupted(watched);
        assertEquals("2", reference.state().extras().get(ModelCommits.LAST_BATCH_ID));
        assertEquals(12, reference.steps());

        Path checkpoints = TMP.newFolder(name + "-run").toPath();
        StreamFaults.arm(point, 1);
        try {
            streamTrain(oneFilePerBatch(watched, checkpoints));
            org.junit.Assert.fail("the armed fault must stop the query");
        } catch (IllegalStateException e) {
            org.junit.Assert.assertTrue(e.getMessage(), e.getMessage().contains("micro-batch 1") && e.getMessage().contains("injected fault"));
        }
        long sparkCommitted = StreamCheckpoints.lastSparkCommit(spark(), checkpoints.resolve("stream").toString());
        assertEquals("Spark never committed micro-batch 1", 0, sparkCommitted);
        String modelHolds = newestCommit(checkpoints).state().extras().get(ModelCommits.LAST_BATCH_ID);
        assertEquals(point == StreamFaults.Point.AFTER_MODEL_COMMIT ? "1" : "0", modelHolds);

        Map<String, Object> resumed = streamTrain(oneFilePerBatch(watched, checkpoints));
        assertEquals(point == StreamFaults.Point.AFTER_MODEL_COMMIT ? 1L : 0L, ((Number) resumed.get("batches_skipped")).longValue());
        assertSameState(reference, newestCommit(checkpoints));
        List<Long> applied = new ArrayList<>();
        for (Map<String, Object> line : batches(checkpoints)) {
            applied.add(((Number) line.get("batch_id")).longValue());
        }
        assertEquals("each micro-batch applied once", List.of(0L, 1L, 2L), applied);
        List<Map<String, Object>> lines = batches(checkpoints);
        assertEquals("micro-batch 1 replays micro-batch 0's 60 rows", 50 + 60, num(lines.get(1), "training_rows"), 0);
        assertFalse(Files.exists(checkpoints.resolve("replay").resolve("batch-0")));
    }

    /** The rate source drives the Java API with any streaming DataFrame; max-batches stops the query. */
    @Test
    public void rateSourceStreamTrainsUntilMaxBatches() throws Exception {
        Path checkpoints = TMP.newFolder("rate").toPath();
        Dataset<Row> rate = spark().readStream().format("rate").option("rowsPerSecond", 40).load();
        StringBuilder features = new StringBuilder("array(");
        for (int j = 0; j < StreamFiles.FEATURES; j++) {
            features.append(j == 0 ? "" : ", ").append("cast(sin(value * ").append(j + 1).append(") + IF(value % 4 = ")
                    .append(j % 4).append(", 1.5, 0) AS FLOAT)");
        }
        Dataset<Row> stream = rate.selectExpr("CAST(value % 4 AS INT) AS label", features + ") AS features");
        StreamConfig config = StreamConfig.from(settings(checkpoints.resolve("unused"), checkpoints, "trigger", "1s",
                "steps-per-batch", "1", "max-batches", "2"));
        try (StreamingTrainer trainer = new StreamingTrainer(spark(), config, new PrintStream(java.io.OutputStream.nullOutputStream()))) {
            Map<String, Object> summary = trainer.awaitCompletion(trainer.start(stream));
            org.junit.Assert.assertTrue(summary.toString(), ((Number) summary.get("batches_applied")).longValue() >= 2);
            assertEquals(trainer.lastAppliedBatch(), ((Number) summary.get("last_batch_id")).longValue());
            org.junit.Assert.assertTrue(summary.toString(), ((Number) summary.get("rows")).longValue() > 0);
        }
        List<Map<String, Object>> lines = batches(checkpoints);
        org.junit.Assert.assertTrue(lines.toString(), lines.size() >= 2);
        assertEquals("no files behind a rate source", List.of(), lines.get(0).get("files"));
    }
}
