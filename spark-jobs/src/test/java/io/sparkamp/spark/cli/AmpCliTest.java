package io.sparkamp.spark.cli;

import static io.sparkamp.spark.TrainRuns.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.spark.SparkUiOff;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Exit codes and output of {@link AmpCli#run} with {@code --master local[2]}: 0 and a JSON last line on
 * success; 2 with a message naming the key, file:line, column or row for every kind of bad input; and
 * {@code inspect} / {@code evaluate} agreeing with what {@code train} reported. AmpCli creates and stops its
 * own SparkSession per command (with Kryo and registrationRequired), so this class shares no context.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
@ExtendWith(SparkUiOff.class)
class AmpCliTest {
    private static final String MODEL = "mlp 16-32-4 relu";
    private static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    @TempDir
    static Path tmp;
    private static String good;
    private static String nanFeature;
    private static String badLabel;
    private static String eightFeatures;

    /** 40 rows of 16 features, labels i % 4; {@code edit} may spoil one row. */
    private interface RowEdit {
        Row row(int i, float[] features);
    }

    private static void writeRows(SparkSession spark, String path, int features, RowEdit edit) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            float[] x = new float[features];
            for (int j = 0; j < features; j++) {
                x[j] = (i * 31 + j) % 7 / 7f;
            }
            rows.add(edit.row(i, x));
        }
        spark.createDataFrame(rows, SCHEMA).coalesce(1).write().parquet(path);
    }

    @BeforeAll
    static void writeData() {
        SparkSession spark = SparkSessions.create("local[2]", "AmpCliTest data");
        try {
            good = tmp.resolve("good").toString();
            SyntheticDataWriter.write(spark, good, new SyntheticDataWriter.Options(300, 100, 16, 4, 1.0f, 9L), false);
            nanFeature = tmp.resolve("nan").toString();
            writeRows(spark, nanFeature, 16, (i, x) -> {
                if (i == 23) {
                    x[5] = Float.NaN;
                }
                return RowFactory.create(i % 4, x);
            });
            badLabel = tmp.resolve("label7").toString();
            writeRows(spark, badLabel, 16, (i, x) -> RowFactory.create(i == 12 ? 7 : i % 4, x));
            eightFeatures = tmp.resolve("eight").toString();
            writeRows(spark, eightFeatures, 8, (i, x) -> RowFactory.create(i % 4, x));
        } finally {
            spark.stop();
        }
    }


    private static TrainRuns.Cli amp(String... args) {
        return TrainRuns.cli(args);
    }

    private static void assertBadInput(TrainRuns.Cli r, String... mentions) {
        assertEquals(ExitCodes.BAD_INPUT, r.code(), () -> "exit code; stderr: " + r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), () -> "stderr should mention '" + m + "': " + r.err());
        }
    }

    private static String[] train(String data, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--master", "local[2]", "--data", data, "--model", MODEL,
                "--steps", "3", "--batch-size", "16", "--log-every", "1000"));
        args.addAll(List.of(extra));
        return args.toArray(new String[0]);
    }

    /** Only {@code amp:} lines on stderr (Spark's own log lines may precede them), and no stack-trace frame. */
    private static void assertOneAmpLine(TrainRuns.Cli r) {
        List<String> ampLines = r.err().lines().filter(l -> l.startsWith("amp:")).toList();
        assertEquals(1, ampLines.size(), () -> "one amp: line expected: " + r.err());
        assertTrue(r.err().lines().noneMatch(l -> l.trim().startsWith("at ") || l.startsWith("Caused by")),
                () -> "no stack trace on the terminal: " + r.err());
    }

    @Test
    void aTruncatedParquetFileIsBadInputNamedInOneLine() throws Exception {
        Path copy = tmp.resolve("truncated");
        Files.createDirectories(copy);
        Path part;
        try (var files = Files.list(Path.of(good, "train"))) {
            part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        byte[] bytes = Files.readAllBytes(part);
        Path broken = copy.resolve(part.getFileName());
        Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        TrainRuns.Cli run = amp(train(copy.toString()));
        assertBadInput(run, broken.getFileName().toString(), "truncated, corrupt or not parquet");
        assertOneAmpLine(run);
    }

    @Test
    void aRunThatEndsSkippingEveryStepExitsOneBlamesTheStaticScaleAndLogsItsTrace() throws Exception {
        // 2^40 overflows every FP16 gradient; 3 skipped steps are far below max-consecutive-skips (50)
        Path logs = tmp.resolve("logs");
        String previous = System.setProperty(FailureReport.LOG_DIR_PROPERTY, logs.toString());
        try {
            TrainRuns.Cli r = amp(train(good + "/train", "--precision", "fp16", "--loss-scale", "1099511627776"));
            assertEquals(ExitCodes.RUNTIME_FAILURE, r.code(), r.err());
            assertOneAmpLine(r);
            assertTrue(r.err().contains("amp: failed: training failed: the last 3 of 3 steps were all skipped"), r.err());
            assertTrue(r.err().contains("static loss scale"), r.err());
            assertTrue(r.err().contains("(stack trace in " + logs), r.err());
            assertTrue(r.out().isEmpty(), "no success summary for a failed run: " + r.out());
            try (var written = Files.list(logs)) {
                assertTrue(written.anyMatch(f -> f.getFileName().toString().startsWith("amp-failure-")), "trace file written");
            }
        } finally {
            if (previous == null) {
                System.clearProperty(FailureReport.LOG_DIR_PROPERTY);
            } else {
                System.setProperty(FailureReport.LOG_DIR_PROPERTY, previous);
            }
        }
    }

    @Test
    void regressionReportsRmseAndR2InsteadOfAccuracyInTrainAndEvaluate() {
        String checkpoints = tmp.resolve("ckpt-mse").toString();
        TrainRuns.Cli trained = amp("train", "--master", "local[2]", "--data", good + "/train", "--test-data", good + "/test",
                "--model", "mlp 16-8-1 relu", "--loss", "mse", "--precision", "fp32", "--steps", "12", "--batch-size", "32",
                "--lr", "0.01", "--partitions", "2", "--checkpoint-dir", checkpoints, "--log-every", "1000");
        assertEquals(ExitCodes.OK, trained.code(), trained.err());
        Map<String, Object> s = trained.json();
        assertTrue(!s.containsKey("test_accuracy") && !s.containsKey("train_accuracy"), "no accuracy for mse: " + s);
        // mse is half the squared error per value, so with one output RMSE = sqrt(2 x mean loss)
        assertEquals(Math.sqrt(2 * num(s, "test_loss")), num(s, "test_rmse"), 1e-9 * num(s, "test_rmse"));
        assertTrue(num(s, "test_r2") < 1 && num(s, "test_r2") > -10, "R² is a fraction of explained variance: " + s);

        TrainRuns.Cli evaluated = amp("evaluate", "--checkpoint", checkpoints, "--data", good + "/test", "--master", "local[2]");
        assertEquals(ExitCodes.OK, evaluated.code(), evaluated.err());
        Map<String, Object> e = evaluated.json();
        assertEquals(num(s, "test_rmse"), num(e, "rmse"), 1e-12);
        assertEquals(num(s, "test_r2"), num(e, "r2"), 1e-12);
        assertTrue(!e.containsKey("accuracy"), e.toString());

        assertBadInput(amp(train(good + "/train", "--model", "mlp 16-8-1 relu", "--loss", "mse", "--test-data", good + "/test",
                "--eval-every", "2", "--target-accuracy", "0.9")), "target-accuracy needs a classifying loss");
    }

    @Test
    void trainSucceedsAndInspectAndEvaluateAgreeWithIt() {
        String checkpoints = tmp.resolve("ckpt").toString();
        TrainRuns.Cli trained = amp("train", "--master", "local[2]", "--data", good + "/train", "--test-data", good + "/test",
                "--model", MODEL, "--steps", "15", "--batch-size", "32", "--lr", "0.01", "--partitions", "2",
                "--loss-scale-growth-interval", "4", "--checkpoint-dir", checkpoints, "--log-every", "1000");
        assertEquals(ExitCodes.OK, trained.code(), trained.err());
        Map<String, Object> summary = trained.json();
        assertEquals("train", summary.get("command"));
        assertEquals(15, num(summary, "steps"));
        assertTrue(num(summary, "test_accuracy") > 0.5, "accuracy above chance: " + summary);

        TrainRuns.Cli inspected = amp("inspect", "--checkpoint", checkpoints, "--master", "local[2]");
        assertEquals(ExitCodes.OK, inspected.code(), inspected.err());
        Map<String, Object> info = inspected.json();
        assertEquals("inspect", info.get("command"));
        assertEquals(localPath(summary.get("checkpoint")), localPath(info.get("checkpoint")), "the newest checkpoint is the one train wrote");
        assertEquals(15, num(info, "steps"));
        assertEquals(num(summary, "skipped_steps"), num(info, "skipped_steps"));
        assertEquals(15 - num(summary, "skipped_steps"), num(info, "optimizer_steps"));
        assertEquals(num(summary, "loss_scale"), num(info, "loss_scale"));
        for (String key : List.of("scaler_growth_tracker", "scaler_hysteresis_left", "scaler_consecutive_skips", "scaler_total_skips")) {
            assertNotNull(info.get(key), key);
        }
        assertEquals(num(summary, "skipped_steps"), num(info, "scaler_total_skips"));
        @SuppressWarnings("unchecked")
        Map<String, Object> config = (Map<String, Object>) info.get("config");
        assertEquals("fp16", config.get("precision"));
        assertEquals("4", config.get("loss-scale-growth-interval"));
        assertEquals("32", config.get("batch-size"));
        assertEquals(good + "/train", config.get("data"));

        TrainRuns.Cli evaluated = amp("evaluate", "--checkpoint", checkpoints, "--data", good + "/test", "--partitions", "2",
                "--master", "local[2]");
        assertEquals(ExitCodes.OK, evaluated.code(), evaluated.err());
        Map<String, Object> eval = evaluated.json();
        assertEquals(num(summary, "test_rows"), num(eval, "rows"));
        assertEquals(num(summary, "test_loss"), num(eval, "loss"), "evaluate's loss is train's test loss");
        assertEquals(num(summary, "test_accuracy"), num(eval, "accuracy"), "evaluate's accuracy is train's test accuracy");
    }

    /** A checkpoint path as train prints it (plain) or as a directory listing gives it (file: URI). */
    private static Path localPath(Object path) {
        String p = String.valueOf(path);
        return p.startsWith("file:") ? Path.of(java.net.URI.create(p)) : Path.of(p);
    }

    @Test
    void unknownFlagNamesTheKey() {
        assertBadInput(amp(train(good + "/train", "--bogus-flag", "3")), "bogus-flag");
    }

    @Test
    void missingDataIsBadInput() {
        assertBadInput(amp("train", "--model", MODEL, "--steps", "3"), "--data");
    }

    @Test
    void badPrecisionNamesTheKey() {
        assertBadInput(amp(train(good + "/train", "--precision", "fp8")), "precision", "fp8");
    }

    @Test
    void unknownLayerNamesIt() {
        assertBadInput(amp("train", "--master", "local[2]", "--data", good + "/train", "--model",
                "input 16 | linear 32 | swishy | linear 4", "--steps", "3"), "model", "swishy");
    }

    @Test
    void nanFeatureNamesColumnAndRow() {
        assertBadInput(amp(train(nanFeature)), "'features'", "row 23", "element 5", "NaN");
    }

    @Test
    void labelOutsideTheModelsClassesIsBadInput() {
        assertBadInput(amp(train(badLabel)), "label", "row 12", "7");
    }

    @Test
    void featureCountMismatchIsBadInput() {
        assertBadInput(amp(train(eightFeatures)), "features", "16");
    }

    @Test
    void badConfigLineNamesFileAndLine() throws Exception {
        Path conf = tmp.resolve("bad.conf");
        Files.writeString(conf, "# a job\nmodel = " + MODEL + "\nthis line has no equals sign\n");
        assertBadInput(amp("train", "--config", conf.toString(), "--data", good + "/train"), conf + ":3");
    }
}
