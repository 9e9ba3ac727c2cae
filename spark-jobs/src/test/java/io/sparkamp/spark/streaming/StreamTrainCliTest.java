package io.sparkamp.spark.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.DirectoryLock;
import io.sparkamp.spark.cli.ExitCodes;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code amp stream-train} through {@code AmpCli}: its help, one {@code amp: error:} line and exit 2 for
 * every setting mistake, and a CSV stream (columns given as a schema) trained with exit 0 and a JSON
 * summary, then failing with exit 2 naming the file and row when a new file holds a bad value. AmpCli
 * creates and stops its own SparkSession per command, so this class shares no context.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
class StreamTrainCliTest {
    @TempDir
    Path tmp;

    private static TrainRuns.Cli amp(String... args) {
        return TrainRuns.cli(args);
    }

    private static void assertBadInput(TrainRuns.Cli r, String... mentions) {
        assertEquals(ExitCodes.BAD_INPUT, r.code(), () -> "exit code; stderr: " + r.err());
        List<String> ampLines = r.err().lines().filter(l -> l.startsWith("amp:")).toList();
        assertEquals(1, ampLines.size(), () -> "one amp: line: " + r.err());
        assertTrue(ampLines.get(0).startsWith("amp: error: "), r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), () -> "stderr should mention '" + m + "': " + r.err());
        }
    }

    @Test
    void helpListsTheStreamingSettings() {
        TrainRuns.Cli r = amp("stream-train", "--help");
        assertEquals(ExitCodes.OK, r.code(), r.err());
        for (String key : List.of("--trigger", "--steps-per-batch", "--epochs-per-batch", "--replay-batches", "--schedule-steps",
                "--max-files-per-trigger", "--checkpoint-dir", "--schema")) {
            assertTrue(r.out().contains(key), () -> key + " in: " + r.out());
        }
        assertTrue(r.out().contains("amp stream-train --config FILE --data DIR --checkpoint-dir DIR"), r.out());
    }

    @Test
    void settingMistakesAreOneErrorLineNamingTheKey() {
        assertBadInput(amp("stream-train", "--data", "in"), "--checkpoint-dir");
        assertBadInput(amp("stream-train", "--data", "in", "--checkpoint-dir", "c", "--trigger", "soon"), "trigger", "soon");
        assertBadInput(amp("stream-train", "--data", "in", "--checkpoint-dir", "c", "--format", "csv"), "schema");
        assertBadInput(amp("stream-train", "--data", "in", "--checkpoint-dir", "c", "--steps", "10"), "steps");
        assertBadInput(amp("stream-train", "--data", "in", "--checkpoint-dir", "c", "--schedule", "cosine"), "schedule-steps");
        assertBadInput(amp("stream-train", "--data", "in", "--checkpoint-dir", "c", "--format", "kafka", "--schema",
                "label INT"), "kafka-servers");
    }

    @Test
    void aCheckpointDirectoryInUseIsOneErrorLineNamingIt() throws Exception {
        Path watched = tmp.resolve("incoming");
        csv(watched, "part-0.csv", rows(16, 1));
        Path checkpoints = tmp.resolve("run");
        org.apache.hadoop.fs.Path root = new org.apache.hadoop.fs.Path(checkpoints.toString());
        try (DirectoryLock held = DirectoryLock.acquire(FileSystem.getLocal(new Configuration()), root)) {
            TrainRuns.Cli refused = amp("stream-train", "--master", "local[2]", "--data", watched.toString(), "--format", "csv",
                    "--schema", "y INT, x0 DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE", "--label-col", "y", "--feature-cols",
                    "x0,x1,x2,x3", "--model", "mlp 4-8-2 relu", "--checkpoint-dir", checkpoints.toString());
            assertBadInput(refused, "checkpoint directory " + checkpoints + " is in use by another run",
                    "pid " + ProcessHandle.current().pid(), "use another --checkpoint-dir");
        }
        assertTrue(Files.notExists(checkpoints.resolve("model")), "the refused run wrote nothing");
    }

    /**
     * {@code amp stream-predict} scores the files of a directory with the newest commit of a stream-train run:
     * each micro-batch written to out/batch=ID with its model version; a restart on the same out scores only
     * the new file, and a value that is not a number fails its micro-batch with one error line, nothing written.
     */
    @Test
    void streamPredictScoresNewFilesWithTheNewestCommit() throws Exception {
        Path watched = tmp.resolve("incoming");
        csv(watched, "part-0.csv", rows(64, 1));
        String schema = "y INT, x0 DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE";
        TrainRuns.Cli trained = amp("stream-train", "--master", "local[2]", "--data", watched.toString(), "--format", "csv",
                "--schema", schema, "--label-col", "y", "--feature-cols", "x0,x1,x2,x3", "--model", "mlp 4-8-2 relu",
                "--batch-size", "16", "--checkpoint-dir", tmp.resolve("run").toString());
        assertEquals(ExitCodes.OK, trained.code(), trained.err());

        Path out = tmp.resolve("scored");
        String[] predict = {"stream-predict", "--master", "local[2]", "--checkpoint", tmp.resolve("run").toString(), "--data",
                watched.toString(), "--format", "csv", "--schema", schema, "--feature-cols", "x0,x1,x2,x3", "--out", out.toString()};
        TrainRuns.Cli first = amp(predict);
        assertEquals(ExitCodes.OK, first.code(), first.err());
        Map<String, Object> summary = TrainRuns.lastJsonLine(first.out());
        assertEquals("stream-predict", summary.get("command"));
        assertEquals(64, TrainRuns.num(summary, "rows"), 0);
        assertEquals(List.of(4), ((List<?>) summary.get("model_steps")).stream().map(v -> ((Number) v).intValue()).toList(),
                "4 steps: one epoch of 64 rows at 16 per step");
        assertTrue(Files.isDirectory(out.resolve("batch=0")), "micro-batch 0 written as out/batch=0");

        csv(watched, "part-1.csv", rows(10, 2));
        TrainRuns.Cli second = amp(predict);
        assertEquals(ExitCodes.OK, second.code(), second.err());
        assertEquals(10, TrainRuns.num(TrainRuns.lastJsonLine(second.out()), "rows"), 0, "only the new file");

        List<String> spoiled = rows(5, 3);
        spoiled.set(3, "1,0.5,not-a-number,0.1,0.2");
        csv(watched, "part-2.csv", spoiled);
        assertBadInput(amp(predict), "micro-batch 2", "feature column 'x1'", "nothing of it was written");
        assertTrue(Files.notExists(out.resolve("batch=2")));
    }

    private static void csv(Path dir, String name, List<String> rows) throws Exception {
        Files.createDirectories(dir);
        Path staging = dir.getParent().resolve("." + name);
        List<String> lines = new ArrayList<>(List.of("y,x0,x1,x2,x3"));
        lines.addAll(rows);
        Files.write(staging, lines, StandardCharsets.UTF_8);
        Files.move(staging, dir.resolve(name)); // files land whole
    }

    private static List<String> rows(int n, int seed) {
        List<String> rows = new ArrayList<>();
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            int y = i % 2;
            rows.add(y + "," + (y + random.nextGaussian() * 0.3) + "," + random.nextGaussian() + "," + (1 - y + random.nextGaussian() * 0.3)
                    + "," + random.nextGaussian());
        }
        return rows;
    }

    @Test
    void aCsvStreamTrainsThenABadValueInANewFileIsNamedWithItsRow() throws Exception {
        Path watched = tmp.resolve("incoming");
        csv(watched, "part-0.csv", rows(64, 1));
        String[] args = {"stream-train", "--master", "local[2]", "--data", watched.toString(), "--format", "csv",
                "--schema", "y INT, x0 DOUBLE, x1 DOUBLE, x2 DOUBLE, x3 DOUBLE", "--label-col", "y", "--feature-cols",
                "x0,x1,x2,x3", "--model", "mlp 4-8-2 relu", "--precision", "bf16", "--batch-size", "16", "--lr", "0.05",
                "--epochs-per-batch", "2", "--checkpoint-dir", tmp.resolve("run").toString()};
        TrainRuns.Cli first = amp(args);
        assertEquals(ExitCodes.OK, first.code(), first.err());
        Map<String, Object> summary = TrainRuns.lastJsonLine(first.out());
        assertEquals("stream-train", summary.get("command"));
        assertEquals(64, TrainRuns.num(summary, "rows"), 0);
        assertEquals(8, TrainRuns.num(summary, "steps"), 0, "2 epochs of 64 rows at 16 per step");
        assertEquals(0, TrainRuns.num(summary, "last_batch_id"), 0);

        List<String> spoiled = rows(20, 2);
        spoiled.set(6, "1,0.5,not-a-number,0.1,0.2");
        csv(watched, "part-1.csv", spoiled);
        TrainRuns.Cli second = amp(args);
        assertBadInput(second, "micro-batch 1 of csv " + watched, "part-1.csv", "first at row 6", "'x1'",
                "No update from micro-batch 1 was committed");

        TrainRuns.Cli third = amp(args); // nothing was committed: the same micro-batch fails again, it is not skipped
        assertBadInput(third, "micro-batch 1 of csv", "part-1.csv");
        assertEquals(1, TrainRuns.jsonLines(tmp.resolve("run").resolve("micro-batches.jsonl")).size());
    }
}
