package io.sparkamp.spark.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.onnx.proto.OnnxMl;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.inference.BatchInference;
import io.sparkamp.spark.inference.ScoringOptions;
import io.sparkamp.spark.inference.TrainedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

/**
 * The exported ONNX file, run in ONNX Runtime, against {@link BatchInference#transform} on the same rows.
 *
 * <p>Tolerances. FP32 export vs FP32 transform: both compute every op in FP32 (the engine evaluates
 * exp/tanh in double and rounds once), differing only in summation order and in the runtime's float
 * exp/tanh, a few units in the last place per op; over these 2-6 layers of width at most 24 that stays
 * well below 1e-5 of the outputs, the bound checked ({@code |onnx - transform| <= 1e-5 * max(1, |transform|)}).
 * FP16-weight export vs FP32 transform of the same weights rounded to FP16: the same bound, since the
 * Cast makes the runtime compute with exactly those rounded values. FP32 export vs FP16 transform: the
 * FP16 path rounds inputs, weights, every product and every bias sum to half precision (unit roundoff
 * u = 2^-11) and accumulates in FP32; first-order error analysis of a ReLU MLP with L linear layers bounds
 * each logit's error by {@code 4 L u A}, where A is the same network run on |x| with |W| and |b| (ReLU is
 * non-expansive). That bound is computed per logit here.
 */
public class OnnxExportTest extends AmpSparkTestBase {
    private static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();
    private static final double FP32_TOLERANCE = 1e-5;
    private static final double HALF_UNIT_ROUNDOFF = Math.scalb(1.0, -11);

    /** A model of {@code spec} with seeded weights, every one moved off its initial value (biases, gamma, beta too). */
    private static TrainedModel model(String spec, String loss, float[] weights) {
        return new TrainedModel(ModelSpec.parse(spec), loss, Precision.FP16, "auto", weights, 7, "test", Map.of("seed", "5"),
                Map.of("data_fingerprint", "none"));
    }

    private static float[] weights(String spec, long seed) {
        ModelSpec model = ModelSpec.parse(spec);
        float[] w = model.initialize(seed);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (int i = 0; i < w.length; i++) {
            w[i] += (float) random.nextDouble(-0.2, 0.2);
        }
        return w;
    }

    /** Rows of features: normal values, or whole-number token ids below {@code vocabulary} when it is positive. */
    private static float[][] rows(int count, int width, int vocabulary, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[][] x = new float[count][width];
        for (float[] row : x) {
            for (int j = 0; j < width; j++) {
                row[j] = vocabulary > 0 ? random.nextInt(vocabulary) : (float) (random.nextGaussian() * 1.5);
            }
        }
        return x;
    }

    private Dataset<Row> frame(float[][] x) {
        StructType schema = new StructType().add("id", DataTypes.IntegerType).add("features", DataTypes.createArrayType(DataTypes.FloatType));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            rows.add(RowFactory.create(i, x[i]));
        }
        return spark().createDataFrame(rows, schema);
    }

    /** Column {@code column} (a vector or a double) of the scored rows, in id order. */
    private double[][] scored(TrainedModel model, float[][] x, Precision precision, String column) {
        Dataset<Row> out = BatchInference.transform(frame(x), model, ScoringOptions.defaults().withPrecision(precision))
                .orderBy("id").select(column);
        List<Row> rows = out.collectAsList();
        double[][] values = new double[rows.size()][];
        for (int i = 0; i < values.length; i++) {
            Object v = rows.get(i).get(0);
            values[i] = v instanceof Vector vector ? vector.toArray() : new double[] {(Double) v};
        }
        return values;
    }

    private static float[][] runOnnx(OnnxMl.ModelProto model, float[][] x, String output) throws OrtException {
        try (OrtSession session = ORT.createSession(model.toByteArray(), new OrtSession.SessionOptions());
             OnnxTensor input = OnnxTensor.createTensor(ORT, x);
             OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, input))) {
            return (float[][]) result.get(output).orElseThrow().getValue();
        }
    }

    private static void assertClose(String what, double[][] expected, float[][] actual, double relative) {
        assertEquals(expected.length, actual.length, what + ": rows");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i].length, actual[i].length, what + ": width of row " + i);
            for (int j = 0; j < expected[i].length; j++) {
                double bound = relative * Math.max(1.0, Math.abs(expected[i][j]));
                if (!(Math.abs(expected[i][j] - actual[i][j]) <= bound)) {
                    throw new AssertionError(what + ": row " + i + " output " + j + ": transform " + expected[i][j] + ", ONNX Runtime "
                            + actual[i][j] + ", difference above " + bound);
                }
            }
        }
    }

    @Test
    public void everyLayerKindAgreesWithTransformInFp32() throws Exception {
        String spec = "input 12 | linear 24 | gelu | layernorm | dropout 0.2 | linear 16 | tanh | linear 8 | sigmoid | linear 5 | relu | linear 3";
        TrainedModel model = model(spec, "softmax_ce", weights(spec, 11));
        float[][] x = rows(64, 12, 0, 3);
        OnnxMl.ModelProto onnx = OnnxExport.build(model, OnnxWeights.FP32);
        assertClose("logits", scored(model, x, Precision.FP32, "rawPrediction"), runOnnx(onnx, x, OnnxExport.LOGITS), FP32_TOLERANCE);
        assertClose("probability", scored(model, x, Precision.FP32, "probability"), runOnnx(onnx, x, OnnxExport.PROBABILITY),
                FP32_TOLERANCE);
    }

    @Test
    public void embeddingTakesTokenIds() throws Exception {
        String spec = "input 6 | embedding 20 4 | linear 3";
        TrainedModel model = model(spec, "softmax_ce", weights(spec, 13));
        float[][] ids = rows(40, 6, 20, 4);
        OnnxMl.ModelProto onnx = OnnxExport.build(model, OnnxWeights.FP32);
        assertClose("logits", scored(model, ids, Precision.FP32, "rawPrediction"), runOnnx(onnx, ids, OnnxExport.LOGITS), FP32_TOLERANCE);
    }

    @Test
    public void regressionAndBinaryHeads() throws Exception {
        String spec = "mlp 12-8-1 tanh";
        float[] w = weights(spec, 17);
        float[][] x = rows(32, 12, 0, 5);
        TrainedModel regression = model(spec, "mse", w);
        assertClose("regression prediction", scored(regression, x, Precision.FP32, "prediction"),
                runOnnx(OnnxExport.build(regression, OnnxWeights.FP32), x, OnnxExport.PREDICTION), FP32_TOLERANCE);

        TrainedModel binary = model(spec, "bce_logits", w);
        OnnxMl.ModelProto onnx = OnnxExport.build(binary, OnnxWeights.FP32);
        double[][] raw = scored(binary, x, Precision.FP32, "rawPrediction");
        double[][] probability = scored(binary, x, Precision.FP32, "probability");
        float[][] logits = runOnnx(onnx, x, OnnxExport.LOGITS);
        float[][] sigmoid = runOnnx(onnx, x, OnnxExport.PROBABILITY);
        double[][] margin = new double[x.length][];
        double[][] positive = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            margin[i] = new double[] {raw[i][1]}; // Spark's binary rawPrediction is [-z, z]
            positive[i] = new double[] {probability[i][1]};
            assertEquals(1.0, probability[i][0] + probability[i][1], 1e-12);
        }
        assertClose("binary logit", margin, logits, FP32_TOLERANCE);
        assertClose("binary probability", positive, sigmoid, FP32_TOLERANCE);
    }

    @Test
    public void fp16WeightsAreTheRoundedWeightsCastToFp32() throws Exception {
        String spec = "input 12 | linear 24 | gelu | layernorm | linear 3";
        float[] w = weights(spec, 19);
        float[] rounded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            rounded[i] = Fp16.toFloat(Fp16.fromFloat(w[i]));
        }
        float[][] x = rows(48, 12, 0, 6);
        OnnxMl.ModelProto half = OnnxExport.build(model(spec, "softmax_ce", w), OnnxWeights.FP16);
        OnnxMl.ModelProto full = OnnxExport.build(model(spec, "softmax_ce", w), OnnxWeights.FP32);
        assertEquals(4L * w.length, weightBytes(full), "weight bytes in FP32");
        assertEquals(2L * w.length, weightBytes(half), "weight bytes in FP16");
        for (OnnxMl.TensorProto t : half.getGraph().getInitializerList()) {
            if (t.getDimsCount() > 0) {
                assertEquals(OnnxMl.TensorProto.DataType.FLOAT16.getNumber(), t.getDataType(), t.getName() + " stored as FLOAT16");
            }
        }
        assertClose("logits with FP16 weights", scored(model(spec, "softmax_ce", rounded), x, Precision.FP32, "rawPrediction"),
                runOnnx(half, x, OnnxExport.LOGITS), FP32_TOLERANCE);
    }

    /** Bytes of the parameter tensors (the scalar constants of GELU and LayerNorm have no dimensions). */
    private static long weightBytes(OnnxMl.ModelProto model) {
        return model.getGraph().getInitializerList().stream().filter(t -> t.getDimsCount() > 0)
                .mapToLong(t -> t.getRawData().size()).sum();
    }

    @Test
    public void fp32ExportMatchesFp16TransformWithinTheHalfPrecisionBound() throws Exception {
        String spec = "mlp 16-32-32-4 relu";
        float[] w = weights(spec, 23);
        TrainedModel model = model(spec, "softmax_ce", w);
        float[][] x = rows(64, 16, 0, 7);
        double[][] half = scored(model, x, Precision.FP16, "rawPrediction");
        float[][] onnx = runOnnx(OnnxExport.build(model, OnnxWeights.FP32), x, OnnxExport.LOGITS);
        double[][] magnitude = absoluteNetwork(ModelSpec.parse(spec), w, x);
        int linearLayers = 3;
        double worstRatio = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 4; j++) {
                double bound = 4 * linearLayers * HALF_UNIT_ROUNDOFF * magnitude[i][j];
                double error = Math.abs(half[i][j] - onnx[i][j]);
                if (!(error <= bound)) {
                    throw new AssertionError("row " + i + " logit " + j + ": fp16 transform " + half[i][j] + ", ONNX fp32 " + onnx[i][j]
                            + ", error " + error + " above the bound " + bound);
                }
                worstRatio = Math.max(worstRatio, error / bound);
            }
        }
        // The FP16 path did round: a zero error everywhere would mean it computed in FP32.
        Assertions.assertTrue(worstRatio > 0, "largest error / bound " + worstRatio);
    }

    /** The logits of the ReLU MLP with every weight, bias and input replaced by its absolute value, in double. */
    private static double[][] absoluteNetwork(ModelSpec spec, float[] w, float[][] x) {
        double[][] out = new double[x.length][];
        for (int r = 0; r < x.length; r++) {
            double[] h = new double[x[r].length];
            for (int j = 0; j < h.length; j++) {
                h[j] = Math.abs(x[r][j]);
            }
            for (int layer = 0; layer < spec.layers().size(); layer += 2) {
                var weight = spec.layout().view(layer + ".linear.weight");
                var bias = spec.layout().view(layer + ".linear.bias");
                double[] next = new double[weight.cols()];
                for (int o = 0; o < next.length; o++) {
                    double sum = Math.abs(w[bias.offset() + o]);
                    for (int i = 0; i < h.length; i++) {
                        sum += h[i] * Math.abs(w[weight.offset() + i * weight.cols() + o]);
                    }
                    next[o] = sum;
                }
                h = next;
            }
            out[r] = h;
        }
        return out;
    }

    @Test
    public void graphDeclaresItsInputOutputsAndProvenance() {
        String spec = "mlp 12-8-3 relu";
        OnnxMl.ModelProto onnx = OnnxExport.build(model(spec, "softmax_ce", weights(spec, 29)), OnnxWeights.FP32);
        assertEquals(13, onnx.getOpsetImport(0).getVersion());
        assertEquals(List.of(OnnxExport.INPUT), onnx.getGraph().getInputList().stream().map(OnnxMl.ValueInfoProto::getName).toList());
        assertEquals(List.of(OnnxExport.LOGITS, OnnxExport.PROBABILITY),
                onnx.getGraph().getOutputList().stream().map(OnnxMl.ValueInfoProto::getName).toList());
        Map<String, String> meta = new java.util.HashMap<>();
        onnx.getMetadataPropsList().forEach(e -> meta.put(e.getKey(), e.getValue()));
        assertEquals("input 12 | linear 8 | relu | linear 3", meta.get("spark_amp.model"));
        assertEquals("5", meta.get("config.seed"));
        assertEquals("none", meta.get("provenance.data_fingerprint"));
        assertEquals("fp16", meta.get("spark_amp.trained_precision"));
        assertArrayEquals(new long[] {7}, new long[] {onnx.getModelVersion()});
    }
}
