package io.sparkamp.spark.cli;

import static io.sparkamp.spark.TrainRuns.assertAtLeast;
import static io.sparkamp.spark.TrainRuns.assertBetween;
import static io.sparkamp.spark.TrainRuns.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import io.sparkamp.spark.data.TrainingTables;
import io.sparkamp.spark.executor.ExecutorMemory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.storage.RDDInfo;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code amp train} end to end through {@link TrainCommand#run}: a tiny synthetic classification problem
 * (4 classes, 128 features) is learned in every precision, the summary carries what the README promises,
 * the cache costs what docs/architecture.md §1 says per feature value, and the metrics file has one line per step.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
public class TrainJobTest extends AmpSparkTestBase {
    @TempDir
    static Path TMP;

    static final int FEATURES = 128;
    static final int CLASSES = 4;
    static final String MODEL = "mlp 128-32-4 relu";
    static final int STEPS = 20;
    private static String data;

    @BeforeEach
    public void writeDataOnce() throws Exception {
        if (data == null) {
            data = newFolder(TMP, "synthetic").toString();
            SyntheticDataWriter.write(spark(), data, new SyntheticDataWriter.Options(400, 200, FEATURES, CLASSES, 1.0f, 3L), true);
        }
    }

    private TrainRuns.Run train(String precision, String name, String... extra) throws Exception {
        Path dir = newFolder(TMP, name).toPath();
        String[] base = {"data", data + "/train", "test-data", data + "/test", "model", MODEL, "precision", precision,
                "steps", Integer.toString(STEPS), "batch-size", "32", "lr", "0.01", "partitions", "2", "seed", "11",
                "log-every", "1000", "checkpoint-dir", dir.resolve("ckpt").toString(), "metrics", dir.resolve("metrics.jsonl").toString()};
        String[] all = java.util.Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return TrainRuns.train(spark(), TrainRuns.settings(all));
    }

    private void assertTrained(TrainRuns.Run run, String precision) {
        Map<String, Object> s = run.printed();
        for (String key : List.of("steps", "skipped_steps", "loss_scale", "train_loss", "test_accuracy", "samples_per_second",
                "checkpoint", "cached_bytes_per_value")) {
            Assertions.assertTrue(s.containsKey(key) && s.get(key) != null, precision + " summary lacks " + key + ": " + s);
        }
        assertEquals(STEPS, ((Number) s.get("steps")).intValue());
        assertEquals(precision, s.get("precision"));
        int skipped = ((Number) s.get("skipped_steps")).intValue();
        assertBetween("skipped steps", skipped, 0, STEPS / 2 - 1);
        // fp16 scales dynamically (checked step by step in assertMetricsFile); bf16 and fp32 run unscaled and skip nothing
        if (!precision.equals("fp16")) {
            assertEquals(0, skipped);
            assertEquals(1.0, num(s, "loss_scale"), 0.0);
        }
        assertBetween("train loss below ln(4), the loss of a uniform guess", num(s, "train_loss"), 0, Math.log(CLASSES));
        // chance is 1/4; 20 steps of 32 rows separate these classes well
        assertBetween(precision + " test accuracy", num(s, "test_accuracy"), 0.7, 1.0);
        assertEquals(200, ((Number) s.get("test_rows")).intValue());
        double trainedRows = STEPS * 32.0;
        assertEquals(trainedRows / num(s, "training_seconds"),
                num(s, "samples_per_second"), 1e-6 * num(s, "samples_per_second"), "samples/s = rows trained / training seconds");

        Checkpoint checkpoint = TrainRuns.load(spark(), run.checkpoint());
        assertEquals(STEPS, checkpoint.steps());
        assertEquals(skipped, checkpoint.skippedSteps());
        assertEquals(((Number) s.get("loss_scale")).floatValue(), checkpoint.scaler().scale(), 0f);
        assertEquals(ModelSpec.parse(MODEL).toSpecString(), checkpoint.model());
        assertEquals(precision, checkpoint.config().get("precision"));
    }

    /** fp16 with dynamic scaling (growth every 5 clean steps); also checks the --metrics file of this run. */
    @Test
    public void fp16TrainsAndCachesTwoBytesPerValue() throws Exception {
        TrainRuns.Run run = train("fp16", "fp16", "loss-scale-growth-interval", "5");
        assertTrained(run, "fp16");
        assertMetricsFile(run);
        assertBetween("cached bytes per value", num(run.printed(), "cached_bytes_per_value"), 1.9, 2.2);
    }

    @Test
    public void bf16TrainsAndCachesTwoBytesPerValue() throws Exception {
        TrainRuns.Run run = train("bf16", "bf16");
        assertTrained(run, "bf16");
        assertEquals(1.0, ((Number) run.printed().get("loss_scale")).doubleValue(), 0.0, "bf16 runs unscaled by default");
        assertBetween("cached bytes per value", num(run.printed(), "cached_bytes_per_value"), 1.9, 2.2);
    }

    @Test
    public void fp32TrainsAndCachesFourBytesPerValue() throws Exception {
        TrainRuns.Run run = train("fp32", "fp32");
        assertTrained(run, "fp32");
        assertEquals(0, ((Number) run.printed().get("skipped_steps")).intValue());
        assertBetween("cached bytes per value", num(run.printed(), "cached_bytes_per_value"), 3.9, 4.3);
    }

    /**
     * The cache size the summary reports (from the block manager master) is what Spark's storage info shows
     * for the cached RDD, and it halves in 16 bits.
     */
    @Test
    public void cachedBytesComeFromSparkStorageInfo() throws Exception {
        DataSpec spec = DataSpec.of(data + "/train", DataSpec.Format.PARQUET);
        Precision[] precisions = {Precision.FP16, Precision.FP32};
        double[] perValue = new double[precisions.length];
        for (int i = 0; i < precisions.length; i++) {
            CachedTrainingData cached = TrainingTables.loadAndCache(spark(), spec, ModelSpec.parse(MODEL), Losses.byName("softmax_ce"),
                    precisions[i], 2, "training data", ExecutorMemory.SHARED_ROOT);
            try {
                // the UI status store behind getRDDStorageInfo is filled by the listener bus: let it catch up
                spark().sparkContext().listenerBus().waitUntilEmpty();
                long stored = -1;
                for (RDDInfo info : spark().sparkContext().getRDDStorageInfo()) {
                    if (info.id() == cached.batches().id()) {
                        assertEquals(2, info.numCachedPartitions(), "every partition cached");
                        stored = info.memSize() + info.diskSize();
                    }
                }
                assertEquals(stored, cached.cachedBytes());
                assertEquals(400, cached.rowCount());
                perValue[i] = (double) stored / (400.0 * FEATURES);
                assertEquals(perValue[i], cached.cachedBytesPerValue(), 1e-12);
            } finally {
                cached.unpersist();
            }
        }
        assertBetween("fp16", perValue[0], 1.9, 2.2);
        assertBetween("fp32", perValue[1], 3.9, 4.3);
    }

    /**
     * --metrics: one JSON line per step, steps 1..N in order, with every field the README lists, then the
     * final test-set evaluation's line with the numbers the summary printed.
     */
    private static void assertMetricsFile(TrainRuns.Run run) {
        Path metrics = Path.of(run.checkpoint()).getParent().getParent().resolve("metrics.jsonl");
        Assertions.assertTrue(Files.exists(metrics));
        List<Map<String, Object>> all = TrainRuns.jsonLines(metrics);
        List<Map<String, Object>> lines = all.stream().filter(l -> !l.containsKey("test_loss")).toList();
        assertEquals(STEPS, lines.size());
        Map<String, Object> evaluation = all.get(all.size() - 1);
        assertEquals(STEPS, ((Number) evaluation.get("step")).intValue());
        assertEquals(num(run.printed(), "test_accuracy"), num(evaluation, "test_accuracy"), 0.0);
        assertEquals(num(run.printed(), "test_loss"), num(evaluation, "test_loss"), 0.0);
        int skipped = 0;
        double scale = 65536; // the dynamic scaler replayed independently: x0.5 on a skip, x2 after 5 clean steps
        int clean = 0;
        for (int i = 0; i < lines.size(); i++) {
            Map<String, Object> line = lines.get(i);
            for (String key : Set.of("step", "loss", "loss_scale", "skipped", "grad_norm", "lr", "samples_per_second",
                    "underflow_fraction", "elapsed_s")) {
                Assertions.assertTrue(line.containsKey(key), "line " + (i + 1) + " lacks " + key + ": " + line);
            }
            assertEquals(i + 1, ((Number) line.get("step")).intValue());
            boolean wasSkipped = (Boolean) line.get("skipped");
            if (wasSkipped) {
                skipped++;
                assertEquals(null, line.get("grad_norm"), "a skipped step has no gradient norm");
                Assertions.assertTrue(((Number) line.get("next_loss_scale")).doubleValue()
                        < ((Number) line.get("loss_scale")).doubleValue(), "a skipped step backs the scale off");
            } else {
                assertNotNull(line.get("grad_norm"));
                assertAtLeast("grad norm", num(line, "grad_norm"), 0);
            }
            Assertions.assertTrue(Double.isFinite(((Number) line.get("loss")).doubleValue()));
            assertEquals(scale, num(line, "loss_scale"), 0.0, "the scale step " + (i + 1) + " used");
            if (wasSkipped) {
                scale /= 2;
                clean = 0;
            } else if (++clean == 5) {
                scale *= 2;
                clean = 0;
            }
            assertEquals(scale, num(line, "next_loss_scale"), 0.0, "the scale after step " + (i + 1));
            assertEquals(0.01, ((Number) line.get("lr")).doubleValue(), 1e-9);
            assertEquals(32.0 / (num(line, "step_ms") / 1000.0),
                    num(line, "samples_per_second"), 1e-6 * num(line, "samples_per_second"), "samples/s = the step's rows / its seconds");
            assertBetween("underflow fraction", num(line, "underflow_fraction"), 0, 1);
            if (i > 0) {
                assertEquals(((Number) lines.get(i - 1).get("next_loss_scale")).doubleValue(),
                        ((Number) line.get("loss_scale")).doubleValue(), 0.0,
                        "the scale a step runs with is the one the step before handed on");
            }
        }
        assertEquals(((Number) run.printed().get("skipped_steps")).intValue(), skipped);
        assertEquals(((Number) run.printed().get("loss_scale")).doubleValue(),
                ((Number) lines.get(lines.size() - 1).get("next_loss_scale")).doubleValue(), 0.0);
        assertEquals(((Number) run.printed().get("train_loss")).doubleValue(),
                ((Number) lines.get(lines.size() - 1).get("loss")).doubleValue(), 0.0);
        Assertions.assertFalse(lines.stream().allMatch(l -> ((Number) l.get("loss_scale")).doubleValue() == 65536.0),
                "growth interval 5 over 30 steps must move the scale");
    }
}
