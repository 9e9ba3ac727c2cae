package io.sparkamp.spark.onnx;

import ai.onnx.proto.OnnxMl;
import org.tribuo.util.onnx.ONNXAttribute;
import org.tribuo.util.onnx.ONNXOperator;
import org.tribuo.util.onnx.ONNXOperators;

import java.util.Collections;
import java.util.Map;
import java.util.Set;

/**
 * The opset-13 operators the export needs beyond Tribuo's {@link ONNXOperators} (which has Gemm, Add,
 * Mul, Div, Pow, Sigmoid, Softmax, Cast, Gather, ReduceMean, but not these). Same opset, so one
 * opset import covers the whole graph.
 */
enum OnnxOps implements ONNXOperator {
    RELU("Relu", 1),
    TANH("Tanh", 1),
    SQRT("Sqrt", 1),
    /** Second input: the target shape as an int64 tensor (-1 = infer that dimension). */
    RESHAPE("Reshape", 2);

    private final String name;
    private final int inputs;

    OnnxOps(String name, int inputs) {
        this.name = name;
        this.inputs = inputs;
    }

    @Override
    public String getOpName() {
        return name;
    }

    @Override
    public int getNumInputs() {
        return inputs;
    }

    @Override
    public int getNumOptionalInputs() {
        return 0;
    }

    @Override
    public int getNumOutputs() {
        return 1;
    }

    @Override
    public Map<String, ONNXAttribute> getAttributes() {
        return Collections.emptyMap();
    }

    @Override
    public Set<String> getMandatoryAttributeNames() {
        return Collections.emptySet();
    }

    @Override
    public int getOpVersion() {
        return ONNXOperators.getOpsetVersion();
    }

    @Override
    public String getOpDomain() {
        return null;
    }

    @Override
    public OnnxMl.OperatorSetIdProto opsetProto() {
        return ONNXOperators.getOpsetProto();
    }
}
