package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * A run owns its checkpoint directory, through {@code amp train}'s command ({@link io.sparkamp.spark.cli.TrainCommand}):
 * a new run into a used directory is refused unless --resume or --overwrite; --overwrite deletes the old run's intact
 * checkpoints and moves its corrupt ones aside; --resume moves newer corrupt checkpoints aside and refuses when every
 * checkpoint is corrupt, moving nothing; a directory locked by a live run is refused; a resume that changes settings
 * is refused or allowed per setting class, and the allowed change is recorded; and the metrics file ends with each
 * step once. Every refusal is a {@link ConfigException}, which the CLI turns into one {@code amp: error:} line and
 * exit 2 (checked end to end, with a second JVM, by {@code DriverFaultIT}).
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
public class CheckpointDirectoryTest extends AmpSparkTestBase {
    @TempDir
    static Path TMP;

    private static String data;
    private static String otherData;
    /** A finished run of 6 steps with checkpoints at 3 and 6 (fp16, adam); each test works on a copy. */
    private static Path base;
    private static String baseRunId;

    @BeforeEach
    public void dataAndABaseRunOnce() throws Exception {
        if (data == null) {
            data = newFolder(TMP, "data").toString();
            SyntheticDataWriter.write(spark(), data, new SyntheticDataWriter.Options(200, 40, 16, 4, 1.0f, 3L), true);
            otherData = newFolder(TMP, "other").toString();
            SyntheticDataWriter.write(spark(), otherData, new SyntheticDataWriter.Options(200, 40, 16, 4, 1.0f, 4L), true);
            base = newFolder(TMP, "base").toPath();
            train(base, "steps", "6");
            baseRunId = runIdOf(base.resolve("step-00000006"));
            assertEquals(baseRunId, runIdOf(base.resolve("step-00000003")), "one run, one id in every manifest");
        }
    }

    private TrainRuns.Run train(Path dir, String... extra) {
        List<String> kv = new ArrayList<>(List.of("data", data + "/train", "model", "mlp 16-32-4 relu", "batch-size", "16",
                "lr", "0.01", "partitions", "2", "log-every", "1000", "checkpoint-every", "3", "checkpoint-dir", dir.toString()));
        kv.addAll(List.of(extra));
        return TrainRuns.train(spark(), TrainRuns.settings(kv.toArray(new String[0])));
    }

    private void assertRefused(Path dir, String[] settings, String... mentions) {
        ConfigException e = assertThrows(ConfigException.class, () -> train(dir, settings));
        for (String m : mentions) {
            Assertions.assertTrue(e.getMessage().contains(m), "'" + m + "' missing from: " + e.getMessage());
        }
    }

    private static String[] kv(String... keyValues) {
        return keyValues;
    }

    private static String runIdOf(Path checkpoint) throws IOException {
        return JsonMaps.readStrings(Files.readString(checkpoint.resolve(CheckpointManifest.NAME))).get("run_id");
    }

    /** The directory's entries, without hidden checksum files and the lock's guard file. */
    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".") && !n.equals(DirectoryLock.GUARD))
                    .sorted().toList();
        }
    }

    private static Path copyOfBase(String name) throws IOException {
        Path dir = newFolder(TMP, name).toPath();
        try (Stream<Path> paths = Files.walk(base)) {
            paths.filter(p -> !p.equals(base) && !p.getFileName().toString().startsWith(DirectoryLock.NAME)).forEach(p -> {
                try {
                    Files.copy(p, dir.resolve(base.relativize(p).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return dir;
    }

    /** Flips one byte in the middle of a tensor file: same size, other checksum. */
    private static void corrupt(Path checkpoint) throws IOException {
        Path parquet;
        try (Stream<Path> files = Files.walk(checkpoint.resolve("tensors"))) {
            parquet = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        try (RandomAccessFile f = new RandomAccessFile(parquet.toFile(), "rw")) {
            long middle = f.length() / 2;
            f.seek(middle);
            int b = f.read();
            f.seek(middle);
            f.write(b ^ 0xFF);
        }
    }

    private Checkpoint load(Path checkpoint) {
        return TrainRuns.load(spark(), checkpoint.toString());
    }

    private static List<Long> steps(Path metrics) {
        return TrainRuns.jsonLines(metrics).stream().map(l -> ((Number) l.get("step")).longValue()).toList();
    }

    @Test
    public void aNewRunIntoADirectoryWithCheckpointsIsRefusedAndChangesNothing() throws Exception {
        Path dir = copyOfBase("used");
        List<String> before = names(dir);
        assertRefused(dir, kv("steps", "6"), dir.toString(), "holds 2 checkpoint(s)", "step-00000003 to step-00000006",
                "of run " + baseRunId, "--resume", "--overwrite");
        assertEquals(before, names(dir));
        assertEquals(baseRunId, runIdOf(dir.resolve("step-00000006")));
    }

    @Test
    public void overwriteDeletesThePreviousRunMovesItsCorruptCheckpointAsideAndStartsTheMetricsFileAnew() throws Exception {
        Path dir = copyOfBase("overwritten");
        corrupt(dir.resolve("step-00000003"));
        Path metrics = dir.resolve("metrics.jsonl");
        Files.writeString(metrics, "{\"step\":1,\"old\":true}\n{\"step\":2,\"old\":true}\n");
        train(dir, "steps", "6", "overwrite", "true", "metrics", metrics.toString());

        String newRun = runIdOf(dir.resolve("step-00000006"));
        assertNotEquals(baseRunId, newRun);
        assertEquals(newRun, runIdOf(dir.resolve("step-00000003")), "no checkpoint of the old run is left under step-*");
        assertEquals(1,
                names(dir).stream().filter(n -> n.startsWith("corrupt-step-00000003-")).count(), "the corrupt checkpoint is kept, aside: " + names(dir));
        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L), steps(metrics), "one line per step of the new run");
        Assertions.assertTrue(TrainRuns.jsonLines(metrics).stream().noneMatch(l -> l.containsKey("old")));
    }

    @Test
    public void resumeAndOverwriteTogetherAreRefused() throws Exception {
        assertRefused(copyOfBase("both"), kv("steps", "6", "resume", "true", "overwrite", "true"), "--resume and --overwrite");
    }

    @Test
    public void resumeWithEveryCheckpointCorruptIsRefusedAndMovesNothing() throws Exception {
        Path dir = copyOfBase("all-corrupt");
        corrupt(dir.resolve("step-00000003"));
        Files.delete(dir.resolve("step-00000006").resolve(CheckpointManifest.NAME));
        List<String> before = names(dir);
        assertRefused(dir, kv("steps", "9", "resume", "true"), "every checkpoint in", "is corrupt",
                "step-00000006 (no MANIFEST.json", "step-00000003 (", "left as they are", "--overwrite instead of --resume");
        assertEquals(before, names(dir), "nothing moved, nothing deleted");
    }

    @Test
    public void resumeMovesANewerCorruptCheckpointAsideContinuesTheRunAndKeepsEachMetricsStepOnce() throws Exception {
        Path dir = copyOfBase("newest-corrupt");
        corrupt(dir.resolve("step-00000006"));
        Path metrics = dir.resolve("metrics.jsonl");
        // the run being resumed had logged steps 1..7 (its step-6 checkpoint is the corrupt one) and died while
        // writing step 8's line
        StringBuilder lines = new StringBuilder();
        for (int step = 1; step <= 7; step++) {
            lines.append("{\"step\":").append(step).append(",\"old\":true}\n");
        }
        Files.writeString(metrics, lines + "{\"step\":8,\"lo", StandardCharsets.UTF_8);
        List<String> before = names(dir);
        assertRefused(dir, kv("steps", "9", "resume", "true", "lr", "0.02"), "lr: checkpoint 0.01, now 0.02");
        assertEquals(before, names(dir), "a refused resume moves nothing");

        TrainRuns.Run run = train(dir, "steps", "9", "resume", "true", "metrics", metrics.toString());
        assertEquals(9, ((Number) run.printed().get("steps")).intValue());
        assertEquals(1, names(dir).stream().filter(n -> n.startsWith("corrupt-step-00000006-")).count(), names(dir).toString());
        assertEquals(baseRunId, runIdOf(dir.resolve("step-00000009")), "a resume continues the same run");
        Assertions.assertTrue(load(dir.resolve("step-00000009")).provenance().get("resumed_from").endsWith(dir.resolve("step-00000003").toString()));

        assertEquals(List.of(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L), steps(metrics));
        List<Map<String, Object>> parsed = TrainRuns.jsonLines(metrics);
        for (int i = 0; i < parsed.size(); i++) {
            assertEquals(i < 3, parsed.get(i).containsKey("old"), "steps up to the checkpoint are the old run's: line " + (i + 1));
        }
    }

    @Test
    public void aDirectoryLockedByALiveRunIsRefusedNamingIt() throws Exception {
        Path dir = copyOfBase("locked");
        try (DirectoryLock held = DirectoryLock.acquire(FileSystem.getLocal(new Configuration()),
                new org.apache.hadoop.fs.Path(dir.toString()))) {
            assertRefused(dir, kv("steps", "9", "resume", "true"), "in use by another run",
                    "pid " + ProcessHandle.current().pid(), dir.resolve(DirectoryLock.NAME).toString());
        }
        Assertions.assertFalse(Files.exists(dir.resolve(DirectoryLock.NAME)));
    }

    @Test
    public void changingPrecisionOnResumeIsRefusedUnlessAllowedAndTheAllowedChangeIsRecorded() throws Exception {
        Path dir = copyOfBase("fp16-to-bf16");
        assertRefused(dir, kv("steps", "9", "resume", "true", "precision", "bf16"), "precision: checkpoint fp16, now bf16",
                "loss-scale: checkpoint dynamic, now none", "--allow-changed precision,loss-scale");

        TrainRuns.Run run = train(dir, "steps", "9", "resume", "true", "precision", "bf16", "allow-changed", "precision,loss-scale");
        assertEquals(1.0, ((Number) run.printed().get("loss_scale")).doubleValue(), 0, "bf16 runs unscaled: the scaler restarted");
        Checkpoint after = load(dir.resolve("step-00000009"));
        assertEquals("bf16", after.config().get("precision"));
        assertEquals(load(dir.resolve("step-00000006")).scaler().totalSkips(), after.scaler().totalSkips());
        String changes = after.provenance().get("setting_changes");
        Assertions.assertTrue(changes.startsWith("step 6: ") && changes.contains("precision fp16 -> bf16")
                && changes.contains("loss-scale dynamic -> none") && changes.contains("steps 6 -> 9"), changes);
    }

    @Test
    public void anotherOptimizerOrModelIsRefusedWhateverIsAllowed() throws Exception {
        Path dir = copyOfBase("fixed");
        List<String> before = names(dir);
        assertRefused(dir, kv("steps", "9", "resume", "true", "optimizer", "sgd", "allow-changed", "lr"),
                "optimizer: checkpoint adam, now sgd", "Start a new run");
        assertRefused(dir, kv("steps", "9", "resume", "true", "model", "mlp 16-8-4 relu"),
                "model: checkpoint mlp 16-32-4 relu, now mlp 16-8-4 relu", "--overwrite");
        assertEquals(before, names(dir));
    }

    @Test
    public void otherTrainingDataIsRefusedUnlessAllowed() throws Exception {
        Path dir = copyOfBase("other-data");
        assertRefused(dir, kv("steps", "9", "resume", "true", "data", otherData + "/train"), "data: checkpoint xxhash64-sum:",
                "content fingerprint", "--allow-changed data");
        train(dir, "steps", "9", "resume", "true", "data", otherData + "/train", "allow-changed", "data");
        Assertions.assertTrue(load(dir.resolve("step-00000009")).provenance().get("setting_changes").contains("data xxhash64-sum:"));
    }

    @Test
    public void aNewLearningRateNeedsTheFlagAndMoreStepsDoNot() throws Exception {
        Path dir = copyOfBase("lr");
        assertRefused(dir, kv("steps", "9", "resume", "true", "lr", "0.02"), "lr: checkpoint 0.01, now 0.02", "--allow-changed lr");
        train(dir, "steps", "9", "resume", "true");
        assertEquals("step 6: steps 6 -> 9", load(dir.resolve("step-00000009")).provenance().get("setting_changes"));
    }

    /** A checkpoint of the first format (no extras column, no run id in its manifest) still loads to the bit and resumes. */
    @Test
    public void aCheckpointOfTheFirstFormatLoadsAndResumes() throws Exception {
        Path dir = newFolder(TMP, "format-1").toPath();
        Path old = dir.resolve("step-00000006");
        Path current = base.resolve("step-00000006");
        spark().read().parquet(current.resolve(CheckpointCodec.STATE).toString()).drop("extras")
                .withColumn("format_version", org.apache.spark.sql.functions.lit(1))
                .coalesce(1).write().parquet(old.resolve(CheckpointCodec.STATE).toString());
        spark().read().parquet(current.resolve(CheckpointCodec.TENSORS).toString())
                .coalesce(1).write().parquet(old.resolve(CheckpointCodec.TENSORS).toString());
        new CheckpointManifest(FileSystem.getLocal(new Configuration())).write(new org.apache.hadoop.fs.Path(old.toString()), null, 6);

        Checkpoint loaded = load(old);
        assertEquals(CheckpointManifest.UNKNOWN_RUN, loaded.runId());
        assertEquals(Map.of(), loaded.state().extras());
        TrainRuns.assertSameState(load(current), loaded);

        train(dir, "steps", "9", "resume", "true");
        String newRun = runIdOf(dir.resolve("step-00000009"));
        Assertions.assertTrue(newRun.matches("[0-9a-f-]{36}"), "a resumed old run gets a run id: " + newRun);
    }
}
