package io.sparkamp.spark.inference;

import static io.sparkamp.spark.TrainRuns.num;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.sparkamp.spark.SparkUiOff;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import io.sparkamp.spark.onnx.OnnxExport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.linalg.Vector;
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
 * {@code amp predict} and {@code amp export} through {@code AmpCli.run}, on a checkpoint {@code amp train}
 * writes here: exit 0 with a JSON last line and the promised output; exit 2 with one {@code amp: error}
 * naming the flag, column, row or path for every kind of bad input, and nothing written.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
@ExtendWith(SparkUiOff.class)
class PredictExportCliTest {
    private static final StructType NARROW = new StructType().add("label", DataTypes.IntegerType)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false));

    @TempDir
    static Path tmp;
    private static String data;
    private static String checkpoints;
    private static String eightFeatures;

    @BeforeAll
    static void trainOnce() {
        SparkSession spark = SparkSessions.create("local[2]", "PredictExportCliTest data");
        try {
            data = tmp.resolve("data").toString();
            SyntheticDataWriter.write(spark, data, new SyntheticDataWriter.Options(400, 120, 16, 4, 1.0f, 21L), false);
            eightFeatures = tmp.resolve("eight").toString();
            List<Row> rows = new ArrayList<>();
            for (int i = 0; i < 30; i++) {
                rows.add(RowFactory.create(i % 4, new float[i == 17 ? 16 : 8]));
            }
            spark.createDataFrame(rows, NARROW).coalesce(1).write().parquet(eightFeatures);
        } finally {
            spark.stop();
        }
        checkpoints = tmp.resolve("ckpt").toString();
        TrainRuns.Cli trained = TrainRuns.cli("train", "--master", "local[2]", "--data", data + "/train", "--test-data", data + "/test",
                "--model", "mlp 16-32-4 relu", "--steps", "40", "--batch-size", "64", "--lr", "0.01", "--seed", "4",
                "--checkpoint-dir", checkpoints, "--log-every", "1000");
        assertEquals(0, trained.code(), trained.err());
    }


    /** Exit 2, one "amp: error:" message (which may list several problems) mentioning every string, and no stack trace. */
    private static void assertBadInput(TrainRuns.Cli r, String... mentions) {
        assertEquals(2, r.code(), () -> "exit code; stderr: " + r.err());
        assertTrue(r.err().startsWith("amp: error: "), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        for (String m : mentions) {
            assertTrue(r.err().contains(m), () -> "stderr should mention '" + m + "': " + r.err());
        }
    }

    @Test
    void predictWritesTheInputColumnsAndSparkMlPredictions() {
        String out = tmp.resolve("predictions").toString();
        TrainRuns.Cli r = TrainRuns.cli("predict", "--master", "local[2]", "--checkpoint", checkpoints, "--data", data + "/test", "--out", out);
        assertEquals(0, r.code(), r.err());
        Map<String, Object> summary = r.json();
        assertEquals("predict", summary.get("command"));
        assertEquals(120, num(summary, "rows"));
        assertEquals("fp16", summary.get("precision"));
        assertEquals(List.of("label", "features", "rawPrediction", "probability", "prediction"), summary.get("columns"));

        SparkSession spark = SparkSessions.create("local[2]", "PredictExportCliTest check");
        try {
            List<Row> rows = spark.read().parquet(out).collectAsList();
            assertEquals(120, rows.size());
            long right = rows.stream().filter(row -> row.getDouble(4) == row.getInt(0)).count();
            assertTrue(right >= 0.8 * 120, "accuracy of the written predictions: " + right + "/120");
        } finally {
            spark.stop();
        }

        assertBadInput(TrainRuns.cli("predict", "--master", "local[2]", "--checkpoint", checkpoints, "--data", data + "/test", "--out", out),
                "--out", out, "exists");
    }

    @Test
    void dataOfTheWrongWidthIsRefusedNamingColumnAndRow() {
        String out = tmp.resolve("never").toString();
        TrainRuns.Cli r = TrainRuns.cli("predict", "--master", "local[2]", "--checkpoint", checkpoints, "--data", eightFeatures, "--out", out);
        assertBadInput(r, "does not fit the model", "16 features per row", "column 'features'",
                "29 rows have the wrong number of features", "expected 16", "first at row 0", "8 values");
        assertFalse(Files.exists(Path.of(out)), "nothing written");
    }

    @Test
    void badFlagsAreRefusedNamingThem() {
        assertBadInput(TrainRuns.cli("predict", "--checkpoint", checkpoints, "--data", data + "/test"), "missing --out");
        assertBadInput(TrainRuns.cli("predict", "--master", "local[2]", "--checkpoint", checkpoints, "--data", data + "/test",
                "--out", tmp.resolve("p8").toString(), "--precision", "fp8"), "--precision", "fp8");
        assertBadInput(TrainRuns.cli("predict", "--master", "local[2]", "--checkpoint", tmp.resolve("nothing-here").toString(),
                "--data", data + "/test", "--out", tmp.resolve("p9").toString()), "--checkpoint", "no such directory");
        assertBadInput(TrainRuns.cli("export", "--checkpoint", checkpoints, "--out", tmp.resolve("m.onnx").toString(), "--onnx-weights", "fp8"),
                "--onnx-weights", "fp8");
        assertBadInput(TrainRuns.cli("export", "--checkpoint", checkpoints), "missing --out");
    }

    @Test
    void exportedModelRunsInOnnxRuntimeAndCarriesProvenance() throws Exception {
        Path file = tmp.resolve("model.onnx");
        TrainRuns.Cli r = TrainRuns.cli("export", "--checkpoint", checkpoints, "--out", file.toString());
        assertEquals(0, r.code(), r.err());
        Map<String, Object> summary = r.json();
        assertEquals("export", summary.get("command"));
        assertEquals(List.of("logits", "probability"), summary.get("outputs"));
        assertEquals((double) Files.size(file), num(summary, "bytes"));

        OnnxMl.ModelProto proto = OnnxMl.ModelProto.parseFrom(Files.readAllBytes(file));
        Map<String, String> meta = new HashMap<>();
        proto.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
        assertEquals("4", meta.get("provenance.seed"));
        assertTrue(meta.get("provenance.data_fingerprint").startsWith("xxhash64-sum:"), meta.toString());
        assertEquals("fp16", meta.get("config.precision"));
        assertEquals("input 16 | linear 32 | relu | linear 4", meta.get("spark_amp.model"));

        String scored = tmp.resolve("fp32-predictions").toString();
        TrainRuns.Cli predicted = TrainRuns.cli("predict", "--master", "local[2]", "--checkpoint", checkpoints, "--data", data + "/test",
                "--out", scored, "--precision", "fp32");
        assertEquals(0, predicted.code(), predicted.err());
        SparkSession spark = SparkSessions.create("local[2]", "PredictExportCliTest onnx");
        List<Row> rows;
        try {
            rows = spark.read().parquet(scored).select("features", "probability").collectAsList();
        } finally {
            spark.stop();
        }
        float[][] x = new float[rows.size()][];
        for (int i = 0; i < x.length; i++) {
            List<Float> values = rows.get(i).getList(0);
            x[i] = new float[values.size()];
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] = values.get(j);
            }
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(file.toString(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(env, x);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            float[][] probability = (float[][]) result.get(OnnxExport.PROBABILITY).orElseThrow().getValue();
            for (int i = 0; i < x.length; i++) {
                Vector expected = rows.get(i).getAs(1);
                for (int j = 0; j < 4; j++) {
                    // FP32 both sides; see OnnxExportTest for the tolerance
                    assertEquals(expected.apply(j), probability[i][j], 1e-5, "row " + i + " class " + j);
                }
            }
        }
    }
}
