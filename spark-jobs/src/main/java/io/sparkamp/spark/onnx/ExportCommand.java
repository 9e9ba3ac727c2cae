package io.sparkamp.spark.onnx;

import ai.onnx.proto.OnnxMl;
import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.data.LabeledParquet;
import io.sparkamp.spark.inference.TrainedModel;
import io.sparkamp.spark.report.Json;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** {@code amp export --checkpoint PATH --out model.onnx [--onnx-weights fp32|fp16]}: a checkpoint's model as an ONNX file. */
public final class ExportCommand {
    static final Set<String> KEYS = Set.of("checkpoint", "out", "onnx-weights", "overwrite", "master");

    private ExportCommand() {
    }

    public static int run(Settings s, PrintStream out) {
        s.requireKnown(KEYS);
        if (!s.has("checkpoint") || !s.has("out")) {
            throw new ConfigException("missing --" + (s.has("checkpoint") ? "out" : "checkpoint")
                    + " (usage: amp export --checkpoint PATH --out model.onnx [--onnx-weights fp32|fp16])");
        }
        OnnxWeights weights = OnnxWeights.parse(s.string("onnx-weights", "fp32"));
        SparkSession spark = SparkSessions.create(s.string("master", "local[1]"), "spark-amp export");
        try {
            TrainedModel model = TrainedModel.load(spark, s.string("checkpoint", null));
            OnnxMl.ModelProto onnx = OnnxExport.build(model, weights);
            String path = s.string("out", null);
            boolean overwrite = s.bool("overwrite", false);
            LabeledParquet.requireWritable(spark, path, overwrite);
            Path file = new Path(path);
            try (FSDataOutputStream stream = file.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(file, overwrite)) {
                onnx.writeTo(stream);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path, e);
            }
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("command", "export");
            summary.put("checkpoint", model.source());
            summary.put("model", model.spec().toSpecString());
            summary.put("loss", model.loss());
            summary.put("onnx_weights", weights.label());
            summary.put("opset", onnx.getOpsetImport(0).getVersion());
            summary.put("inputs", names(onnx.getGraph().getInputList()));
            summary.put("outputs", names(onnx.getGraph().getOutputList()));
            summary.put("nodes", onnx.getGraph().getNodeCount());
            summary.put("bytes", onnx.getSerializedSize());
            summary.put("out", path);
            out.println(Json.line(summary));
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static List<String> names(List<OnnxMl.ValueInfoProto> values) {
        return values.stream().map(OnnxMl.ValueInfoProto::getName).collect(Collectors.toList());
    }
}
