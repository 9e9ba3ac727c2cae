package io.sparkamp.spark.onnx;

import ai.onnx.proto.OnnxMl;
import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.cli.CheckpointArgs;
import io.sparkamp.spark.cli.Command;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.datasets.LabeledParquet;
import io.sparkamp.spark.inference.TrainedModel;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** {@code amp export --checkpoint PATH --out model.onnx [--onnx-weights fp32|fp16]}: a checkpoint's model as an ONNX file. */
public final class ExportCommand implements Command {
    public static final Setting<String> OUT = Setting.text("out", "output", null, "the ONNX file to write");
    public static final Setting<String> ONNX_WEIGHTS = Setting.choice("onnx-weights", "output", "fp32",
            "how the file stores the weights: fp32, or fp16 (half the size; Cast to FP32 before use)", "fp32", "fp16");
    public static final Setting<Boolean> OVERWRITE = Setting.flag("overwrite", "output", false, "replace an existing file");
    static final List<Setting<?>> SETTINGS = List.of(CheckpointArgs.CHECKPOINT, OUT, ONNX_WEIGHTS, OVERWRITE,
            JobSettings.MASTER);

    @Override
    public String name() {
        return "export";
    }

    @Override
    public String summary() {
        return "a checkpoint's model as an ONNX file (opset 13), for runtimes outside Spark";
    }

    @Override
    public String usage() {
        return "amp export --checkpoint PATH --out model.onnx [--onnx-weights fp32|fp16]";
    }

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    @Override
    public int run(Settings s, PrintStream out) {
        for (Setting<?> required : List.of(CheckpointArgs.CHECKPOINT, OUT)) {
            if (!required.isSet(s)) {
                throw new ConfigException("missing --" + required.key() + " (usage: " + usage() + ")");
            }
        }
        OnnxWeights weights = OnnxWeights.parse(ONNX_WEIGHTS.get(s));
        SparkSession spark = SparkSessions.create(JobSettings.MASTER.get(s, "local[1]"), "spark-amp export");
        try {
            TrainedModel model = TrainedModel.load(spark, CheckpointArgs.CHECKPOINT.get(s));
            OnnxMl.ModelProto onnx = OnnxExport.build(model, weights);
            String path = OUT.get(s);
            boolean overwrite = OVERWRITE.get(s);
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
