package io.sparkamp.spark.onnx;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.nn.DropoutSpec;
import io.sparkamp.core.nn.EmbeddingSpec;
import io.sparkamp.core.nn.LayerNormSpec;
import io.sparkamp.core.nn.LayerSpec;
import io.sparkamp.core.nn.LinearSpec;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.ParamView;
import io.sparkamp.core.nn.ParameterLayout;
import io.sparkamp.core.nn.ReluSpec;
import io.sparkamp.core.nn.SmoothActivation;
import io.sparkamp.core.nn.SmoothActivationSpec;
import io.sparkamp.core.numeric.Fp16;
import org.tribuo.util.onnx.ONNXContext;
import org.tribuo.util.onnx.ONNXInitializer;
import org.tribuo.util.onnx.ONNXOperators;
import org.tribuo.util.onnx.ONNXRef;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a {@link ModelSpec} with its weights as an opset-13 ONNX graph, one layer at a time, in FP32:
 * <ul>
 *   <li>{@code linear N}: Gemm(x, W[in, N], b[N]) (the engine stores W as [in, out], Gemm's B layout);</li>
 *   <li>{@code relu}, {@code tanh}, {@code sigmoid}: the ONNX operator of that name;</li>
 *   <li>{@code gelu}: the tanh approximation the engine uses, 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)));</li>
 *   <li>{@code layernorm}: ReduceMean over the row, biased variance, (x - mean) / sqrt(var + 1e-5) * gamma + beta
 *       (LayerNormalization itself is opset 17);</li>
 *   <li>{@code dropout P}: nothing (inference is the identity);</li>
 *   <li>{@code embedding V D}: Cast(ids, int64), Gather(table[V, D]), Reshape to [batch, T * D].</li>
 * </ul>
 * With FP16 weights every parameter tensor is stored as FLOAT16 and followed by a Cast to FLOAT.
 */
final class GraphWriter {
    private static final float GELU_CUBIC = 0.044715f;

    private final ONNXContext context = new ONNXContext();
    private final ModelSpec model;
    private final ParameterLayout layout;
    private final float[] weights;
    private final boolean halfWeights;
    /** Names of the initializers to store as FLOAT16 when the graph is built. */
    private final Set<String> halfTensors = new HashSet<>();

    GraphWriter(ModelSpec model, float[] weights, OnnxWeights format) {
        this.model = model;
        this.layout = model.layout();
        this.weights = weights;
        this.halfWeights = format == OnnxWeights.FP16;
    }

    ONNXContext context() {
        return context;
    }

    /** The network from {@code input} to its last layer's output. */
    ONNXRef<?> network(ONNXRef<?> input) {
        ONNXRef<?> h = input;
        List<LayerSpec> layers = model.layers();
        for (int i = 0; i < layers.size(); i++) {
            LayerSpec layer = layers.get(i);
            String at = "layer" + i + "_";
            if (layer instanceof LinearSpec linear) {
                h = linear(i, at, h, model.layerInputSize(i), linear.outputs());
            } else if (layer instanceof ReluSpec) {
                h = h.apply(OnnxOps.RELU, at + "relu");
            } else if (layer instanceof SmoothActivationSpec smooth) {
                h = smooth(at, h, smooth.function());
            } else if (layer instanceof LayerNormSpec) {
                h = layerNorm(i, at, h, model.layerInputSize(i));
            } else if (layer instanceof EmbeddingSpec embedding) {
                h = embedding(i, at, h, model.layerInputSize(i), embedding);
            } else if (!(layer instanceof DropoutSpec)) {
                throw new ConfigException("ONNX export: layer " + i + " '" + layer.toSpec() + "' has no ONNX form here");
            }
        }
        return h;
    }

    /** The graph, with the FP16 weight tensors re-encoded. */
    OnnxMl.GraphProto build() {
        OnnxMl.GraphProto graph = context.buildGraph();
        if (halfTensors.isEmpty()) {
            return graph;
        }
        OnnxMl.GraphProto.Builder builder = graph.toBuilder();
        for (int i = 0; i < builder.getInitializerCount(); i++) {
            OnnxMl.TensorProto tensor = builder.getInitializer(i);
            if (halfTensors.contains(tensor.getName())) {
                builder.setInitializer(i, toHalf(tensor));
            }
        }
        return builder.build();
    }

    private ONNXRef<?> linear(int index, String at, ONNXRef<?> h, int in, int out) {
        ONNXRef<?> w = parameter(index + ".linear.weight", in, out);
        ONNXRef<?> b = parameter(index + ".linear.bias", out);
        return h.apply(ONNXOperators.GEMM, List.of(w, b), at + "linear");
    }

    private ONNXRef<?> smooth(String at, ONNXRef<?> h, SmoothActivation function) {
        switch (function) {
            case TANH:
                return h.apply(OnnxOps.TANH, at + "tanh");
            case SIGMOID:
                return h.apply(ONNXOperators.SIGMOID, at + "sigmoid");
            default: { // GELU, tanh approximation
                ONNXRef<?> cube = h.apply(ONNXOperators.POW, context.constant("three", 3f), at + "cube");
                ONNXRef<?> inner = h.apply(ONNXOperators.ADD,
                        cube.apply(ONNXOperators.MUL, context.constant("gelu_cubic", GELU_CUBIC), at + "cubic_term"), at + "inner");
                ONNXRef<?> scaled = inner.apply(ONNXOperators.MUL,
                        context.constant("sqrt_2_over_pi", (float) Math.sqrt(2.0 / Math.PI)), at + "scaled");
                ONNXRef<?> onePlusTanh = scaled.apply(OnnxOps.TANH, at + "tanh")
                        .apply(ONNXOperators.ADD, context.constant("one", 1f), at + "one_plus_tanh");
                ONNXRef<?> half = h.apply(ONNXOperators.MUL, context.constant("half", 0.5f), at + "half_x");
                return half.apply(ONNXOperators.MUL, onePlusTanh, at + "gelu");
            }
        }
    }

    private ONNXRef<?> layerNorm(int index, String at, ONNXRef<?> h, int size) {
        Map<String, Object> lastAxis = Map.of("axes", new int[] {-1}, "keepdims", 1);
        ONNXRef<?> mean = h.apply(ONNXOperators.REDUCE_MEAN, lastAxis);
        ONNXRef<?> centred = h.apply(ONNXOperators.SUB, mean, at + "centred");
        ONNXRef<?> variance = centred.apply(ONNXOperators.MUL, centred, at + "squares").apply(ONNXOperators.REDUCE_MEAN, lastAxis);
        ONNXRef<?> std = variance.apply(ONNXOperators.ADD, context.constant("layernorm_eps", (float) LayerNormSpec.EPSILON),
                at + "variance_eps").apply(OnnxOps.SQRT, at + "std");
        ONNXRef<?> normalised = centred.apply(ONNXOperators.DIV, std, at + "normalised");
        ONNXRef<?> gamma = parameter(index + ".layernorm.gamma", size);
        ONNXRef<?> beta = parameter(index + ".layernorm.beta", size);
        return normalised.apply(ONNXOperators.MUL, gamma, at + "scaled").apply(ONNXOperators.ADD, beta, at + "layernorm");
    }

    private ONNXRef<?> embedding(int index, String at, ONNXRef<?> h, int tokens, EmbeddingSpec spec) {
        ONNXRef<?> table = parameter(index + ".embedding.table", spec.vocabulary(), spec.dimension());
        ONNXRef<?> ids = h.cast(long.class);
        ONNXRef<?> rows = table.apply(ONNXOperators.GATHER, ids, Map.of("axis", 0));
        ONNXRef<?> shape = context.array(at + "shape", new long[] {-1, (long) tokens * spec.dimension()});
        return rows.apply(OnnxOps.RESHAPE, shape, at + "embedding");
    }

    /** The parameter tensor {@code name} of the flat buffer as an initializer (Cast to FLOAT after it in FP16). */
    private ONNXRef<?> parameter(String name, int... dims) {
        ParamView view = layout.view(name);
        List<Integer> shape = dims.length == 1 ? List.of(dims[0]) : List.of(dims[0], dims[1]);
        ONNXInitializer tensor = context.floatTensor(name.replace('.', '_'), shape,
                buffer -> buffer.put(weights, view.offset(), view.size()));
        if (!halfWeights) {
            return tensor;
        }
        halfTensors.add(tensor.getReference());
        return tensor.cast(float.class);
    }

    /** The FLOAT tensor as FLOAT16, each value rounded to nearest-even (raw data is little-endian by the ONNX spec). */
    private static OnnxMl.TensorProto toHalf(OnnxMl.TensorProto tensor) {
        ByteBuffer floats = tensor.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
        int count = floats.remaining() / Float.BYTES;
        ByteBuffer halves = ByteBuffer.allocate(count * Short.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) {
            halves.putShort(Fp16.fromFloat(floats.getFloat(i * Float.BYTES)));
        }
        halves.flip();
        return tensor.toBuilder()
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT16.getNumber())
                .setRawData(ByteString.copyFrom(halves))
                .build();
    }
}
