package io.sparkamp.spark.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.sparkamp.core.ops.Reductions;
import io.sparkamp.spark.inference.TrainedModel;
import io.sparkamp.spark.onnx.OnnxExport;
import io.sparkamp.spark.onnx.OnnxWeights;

import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ONNX Runtime row of the inference benchmark, in a class of its own: the only code of the main jar
 * that touches ONNX Runtime (a provided dependency, absent from the job jar), loaded only when the
 * benchmark runs it.
 */
final class OnnxRuntimeBench {
    private OnnxRuntimeBench() {
    }

    /**
     * Rows/s of ONNX Runtime on the exported FP32 model, in this JVM, on the same rows made into input
     * tensors beforehand (so only the runtime's work is timed), with {@code threads} intra-op threads.
     */
    static InferenceBench.Result measure(InferenceBench.Batches batches, TrainedModel model, int threads, int runs) {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        List<OnnxTensor> inputs = new ArrayList<>();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            for (float[] x : batches.features()) {
                inputs.add(OnnxTensor.createTensor(env, FloatBuffer.wrap(x), new long[] {x.length / model.inputSize(), model.inputSize()}));
            }
            options.setIntraOpNumThreads(threads);
            try (OrtSession session = env.createSession(OnnxExport.build(model, OnnxWeights.FP32).toByteArray(), options)) {
                score(session, inputs, batches.labels());
                List<Double> seconds = new ArrayList<>();
                long correct = 0;
                for (int i = 0; i < runs; i++) {
                    long start = System.nanoTime();
                    correct = score(session, inputs, batches.labels());
                    seconds.add((System.nanoTime() - start) / 1e9);
                }
                return new InferenceBench.Result("ONNX Runtime " + env.getVersion() + " fp32, " + threads + " intra-op thread" + (threads == 1 ? "" : "s"),
                        batches.rows() / InferenceBench.mean(seconds), seconds, (double) correct / batches.rows());
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on the exported model: " + e.getMessage(), e);
        } finally {
            inputs.forEach(OnnxTensor::close);
        }
    }

    /** Runs every batch; returns how many rows' arg-max logit is the label. */
    private static long score(OrtSession session, List<OnnxTensor> inputs, List<int[]> labels) throws OrtException {
        long correct = 0;
        for (int b = 0; b < inputs.size(); b++) {
            try (OrtSession.Result result = session.run(Map.of(OnnxExport.INPUT, inputs.get(b)))) {
                float[][] logits = (float[][]) result.get(OnnxExport.LOGITS).orElseThrow().getValue();
                for (int i = 0; i < logits.length; i++) {
                    correct += Reductions.argmaxRow(logits[i], 0, logits[i].length) == labels.get(b)[i] ? 1 : 0;
                }
            }
        }
        return correct;
    }
}
