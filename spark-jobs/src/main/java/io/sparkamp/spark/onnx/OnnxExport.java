package io.sparkamp.spark.onnx;

import ai.onnx.proto.OnnxMl;
import io.sparkamp.spark.checkpoint.Versions;
import io.sparkamp.spark.inference.OutputHead;
import io.sparkamp.spark.inference.TrainedModel;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXPlaceholder;
import org.tribuo.util.onnx.ONNXRef;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A trained model as an ONNX file (opset 13, IR version 7), for runtimes outside Spark. One input,
 * {@value #INPUT}: float [batch, inputSize]. Outputs by the model's loss: classifiers write
 * {@value #LOGITS} [batch, K] and {@value #PROBABILITY} [batch, K] (softmax for softmax_ce, per-output
 * sigmoid for bce_logits); regressors write {@value #PREDICTION} [batch, 1]. The graph computes in FP32;
 * the weights are stored in FP32 or FP16. How the model was made (spec, loss, training precision, config,
 * seed, versions, data fingerprint, checkpoint) goes into the model's metadata_props.
 */
public final class OnnxExport {
    public static final String INPUT = "features";
    public static final String LOGITS = "logits";
    public static final String PROBABILITY = "probability";
    public static final String PREDICTION = "prediction";
    /** IR version 7 is the one that goes with opset 13 (ONNX 1.8). */
    static final long IR_VERSION = 7;

    private OnnxExport() {
    }

    /** The ONNX model of {@code model} with its weights stored as {@code weights}. */
    public static OnnxMl.ModelProto build(TrainedModel model, OnnxWeights weights) {
        OutputHead head = OutputHead.of(model.loss(), model.outputSize());
        GraphWriter writer = new GraphWriter(model.spec(), model.weights(), weights);
        ONNXContext context = writer.context();
        context.setName("spark_amp_" + model.loss());
        ONNXPlaceholder input = context.floatInput(INPUT, model.inputSize());
        ONNXRef<?> output = writer.network(input);
        int k = model.outputSize();
        if (head.classifier()) {
            output.assignTo(context.floatOutput(LOGITS, k));
            ONNXRef<?> probability = head == OutputHead.CLASSIFICATION
                    ? output.apply(ONNXOperators.SOFTMAX, Map.of("axis", 1))
                    : output.apply(ONNXOperators.SIGMOID);
            probability.assignTo(context.floatOutput(PROBABILITY, k));
        } else {
            output.assignTo(context.floatOutput(PREDICTION, k));
        }
        OnnxMl.ModelProto.Builder proto = OnnxMl.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName("spark-amp")
                .setProducerVersion(Versions.sparkAmp())
                .setDomain("io.sparkamp")
                .setModelVersion(model.steps())
                .setDocString("Spark AMP model '" + model.spec().toSpecString() + "', loss " + model.loss() + ", trained in "
                        + model.precision().label() + " for " + model.steps() + " steps; weights stored as " + weights.label())
                .setGraph(writer.build())
                .addOpsetImport(ONNXOperators.getOpsetProto());
        metadata(model, weights).forEach((key, value) ->
                proto.addMetadataProps(OnnxMl.StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return proto.build();
    }

    /** The provenance written into metadata_props: the model, then config.* and provenance.* as the checkpoint holds them. */
    static Map<String, String> metadata(TrainedModel model, OnnxWeights weights) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("spark_amp.model", model.spec().toSpecString());
        m.put("spark_amp.loss", model.loss());
        m.put("spark_amp.trained_precision", model.precision().label());
        m.put("spark_amp.steps", Long.toString(model.steps()));
        m.put("spark_amp.checkpoint", model.source());
        m.put("spark_amp.onnx_weights", weights.label());
        m.put("spark_amp.exported_by", Versions.sparkAmp());
        model.config().forEach((k, v) -> m.put("config." + k, String.valueOf(v)));
        model.provenance().forEach((k, v) -> m.put("provenance." + k, String.valueOf(v)));
        return m;
    }
}
