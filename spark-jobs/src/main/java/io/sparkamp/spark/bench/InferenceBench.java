package io.sparkamp.spark.bench;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Reductions;
import io.sparkamp.spark.inference.BatchInference;
import io.sparkamp.spark.inference.ForwardPass;
import io.sparkamp.spark.inference.ScoringOptions;
import io.sparkamp.spark.inference.TrainedModel;
import io.sparkamp.spark.report.Machine;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.StorageLevel;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The inference part of {@code amp bench}: rows per second of {@link BatchInference#transform} on the
 * Fashion-MNIST test set repeated N times (6: 60,000 rows), in fp32, fp16 and bf16, and of ONNX Runtime
 * running the exported FP32 model on the same rows in the same JVM, one after the other. Writes its own
 * section of BENCHMARKS.md.
 */
final class InferenceBench {
    static final String START = "<!-- inference-bench:start (written by bin/amp bench) -->";
    static final String END = "<!-- inference-bench:end -->";

    private InferenceBench() {
    }

    /** One measured engine: its name, the mean rows/s over the timed runs, each run's seconds, and its accuracy. */
    record Result(String engine, double rowsPerSecond, List<Double> seconds, double accuracy) {
    }

    /** Runs the inference benchmark unless {@code --skip-inference}; writes its section of the report. */
    static void run(SparkSession spark, Settings s, Settings base, String testData, String master, String commandLine,
                    String trainedCheckpoint, PrintStream out) {
        if (InferenceBenchSettings.SKIP.get(s)) {
            return;
        }
        TrainedModel model = model(spark, s, base, trainedCheckpoint);
        int replicate = InferenceBenchSettings.REPLICATE.get(s);
        int runs = InferenceBenchSettings.RUNS.get(s);
        int batchRows = InferenceBenchSettings.BATCH_ROWS.get(s);
        Dataset<Row> one = spark.read().parquet(testData).select(functions.col("label").cast("double").as("label"),
                functions.col("features"));
        Dataset<Row> rows = one;
        for (int i = 1; i < replicate; i++) {
            rows = rows.union(one);
        }
        rows = rows.repartition(spark.sparkContext().defaultParallelism()).persist(StorageLevel.MEMORY_ONLY());
        long count = rows.count();
        out.println("bench: inference on " + count + " rows with " + model);
        try {
            List<Result> results = new ArrayList<>();
            for (Precision precision : Precision.values()) {
                results.add(transform(rows, count, model, precision, batchRows, runs));
                out.println("bench: " + results.get(results.size() - 1));
            }
            Batches batches = Batches.of(rows.collectAsList(), model.inputSize(), batchRows);
            for (Precision precision : Precision.values()) {
                results.add(forwardOnly(batches, model, precision, runs));
                out.println("bench: " + results.get(results.size() - 1));
            }
            if (onnxRuntimePresent()) {
                for (int threads : new int[] {1, spark.sparkContext().defaultParallelism()}) {
                    results.add(OnnxRuntimeBench.measure(batches, model, threads, runs));
                    out.println("bench: " + results.get(results.size() - 1));
                }
            } else {
                out.println("bench: ONNX Runtime is not on the classpath (bin/amp puts it there, the job jar does not): left out");
            }
            Path report = Path.of(s.string("out", "BENCHMARKS.md"));
            String source = InferenceBenchSettings.CHECKPOINT.isSet(s)
                    ? "checkpoint " + InferenceBenchSettings.CHECKPOINT.get(s) + " (step " + model.steps() + ")" : model.source();
            BenchReport.splice(report, section(commandLine, master, spark.version(), model, source, count, replicate, batchRows, runs,
                    results), START, END);
            out.println("bench: inference results written to " + report);
        } finally {
            rows.unpersist(true);
        }
    }

    /**
     * Whether ONNX Runtime can be loaded. It is a provided dependency: on bin/amp's classpath, not in the
     * job jar; its classes are touched only by {@link OnnxRuntimeBench}, so this class loads without it and
     * the benchmark leaves the ONNX Runtime rows out where it is missing.
     */
    private static boolean onnxRuntimePresent() {
        try {
            Class.forName("ai.onnxruntime.OrtEnvironment", false, InferenceBench.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * The checkpoint given by --inference-checkpoint, else the one this bench just trained, else (with
     * --inference-only) the base config's model with its seed's initial weights: its speed is the same, its
     * accuracy is chance, and the report names the model it scored.
     */
    private static TrainedModel model(SparkSession spark, Settings s, Settings base, String trainedCheckpoint) {
        if (InferenceBenchSettings.CHECKPOINT.isSet(s)) {
            return TrainedModel.load(spark, InferenceBenchSettings.CHECKPOINT.get(s));
        }
        if (trainedCheckpoint != null) {
            return TrainedModel.load(spark, trainedCheckpoint);
        }
        ModelSpec spec = ModelSpec.parse(base.string("model", "mlp 784-512-256-10 relu"));
        long seed = base.longValue("seed", 7);
        return new TrainedModel(spec, base.string("loss", "softmax_ce"), Precision.FP16, "auto", spec.initialize(seed), 0,
                "initial weights of seed " + seed, Map.of(), Map.of("seed", Long.toString(seed)));
    }

    /** Rows/s of transform: one untimed pass (JIT, kernel selection, broadcast), then {@code runs} timed ones. */
    private static Result transform(Dataset<Row> rows, long count, TrainedModel model, Precision precision, int batchRows, int runs) {
        Dataset<Row> scored = BatchInference.transform(rows, model, ScoringOptions.defaults().withPrecision(precision)
                .withBatchRows(batchRows));
        // Counting right predictions forces every row through the network and returns one number to the driver.
        Dataset<Row> right = scored.agg(functions.sum(functions.when(functions.col("prediction").equalTo(functions.col("label")), 1)
                .otherwise(0)));
        right.head();
        List<Double> seconds = new ArrayList<>();
        long correct = 0;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            correct = right.head().getLong(0);
            seconds.add((System.nanoTime() - start) / 1e9);
        }
        return new Result("transform " + precision.label(), count / mean(seconds), seconds, (double) correct / count);
    }

    /** Rows/s of the engine's forward pass alone, one thread on the driver, on the same rows already in float batches. */
    private static Result forwardOnly(Batches batches, TrainedModel model, Precision precision, int runs) {
        ForwardPass forward = ForwardPass.of(model, precision);
        float[] scratch = new float[batches.features().get(0).length];
        batches.score(forward, scratch);
        List<Double> seconds = new ArrayList<>();
        long correct = 0;
        for (int i = 0; i < runs; i++) {
            long start = System.nanoTime();
            correct = batches.score(forward, scratch);
            seconds.add((System.nanoTime() - start) / 1e9);
        }
        return new Result("forward pass only " + precision.label() + ", 1 thread", batches.rows() / mean(seconds), seconds,
                (double) correct / batches.rows());
    }

    /** The rows (label, features) as row-major float batches of at most {@code batchRows} rows, and their labels. */
    record Batches(List<float[]> features, List<int[]> labels, int width, long rows) {
        static Batches of(List<Row> rows, int width, int batchRows) {
            List<float[]> features = new ArrayList<>();
            List<int[]> labels = new ArrayList<>();
            for (int start = 0; start < rows.size(); start += batchRows) {
                int n = Math.min(batchRows, rows.size() - start);
                float[] x = new float[n * width];
                int[] y = new int[n];
                for (int i = 0; i < n; i++) {
                    Row r = rows.get(start + i);
                    List<Float> values = r.getList(1);
                    for (int j = 0; j < width; j++) {
                        x[i * width + j] = values.get(j);
                    }
                    y[i] = (int) r.getDouble(0);
                }
                features.add(x);
                labels.add(y);
            }
            return new Batches(features, labels, width, rows.size());
        }

        /** Runs every batch through {@code forward} (copied into {@code scratch} first); returns the rows classified right. */
        long score(ForwardPass forward, float[] scratch) {
            long correct = 0;
            for (int b = 0; b < features.size(); b++) {
                float[] x = features.get(b);
                int n = x.length / width;
                System.arraycopy(x, 0, scratch, 0, x.length);
                float[] logits = forward.run(scratch, n);
                int classes = logits.length / n;
                for (int i = 0; i < n; i++) {
                    correct += Reductions.argmaxRow(logits, i, classes) == labels.get(b)[i] ? 1 : 0;
                }
            }
            return correct;
        }
    }

    static double mean(List<Double> values) {
        return values.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
    }

    private static String section(String command, String master, String sparkVersion, TrainedModel model, String modelSource,
                                  long rows, int replicate, int batchRows, int runs, List<Result> results) {
        StringBuilder b = new StringBuilder();
        b.append(START).append('\n');
        b.append("## Inference: Fashion-MNIST test set x").append(replicate).append(" (`bin/amp bench`)\n\n");
        b.append("- Date: ").append(LocalDate.now()).append('\n');
        b.append("- Command: `").append(command).append("`\n");
        Machine machine = Machine.current();
        b.append("- Machine: ").append(machine.cpuModel()).append(", ").append(machine.cores())
                .append(" cores; flags of note: ").append(machine.cpuFlags())
                .append(". The host is shared with other agents' builds and tests: compare the ratios, measured side by side in one run.\n");
        b.append("- Java ").append(System.getProperty("java.version")).append(", Spark ").append(sparkVersion).append(", master `")
                .append(master).append("`\n");
        b.append("- Model: `").append(model.spec().toSpecString()).append("`, ").append(modelSource).append('\n');
        b.append("- Method: ").append(rows).append(" rows cached in Spark memory as `array<float>`; each engine does one untimed pass, then ")
                .append(runs).append(" timed passes (mean shown), one engine after the other. transform: `BatchInference.transform` "
                        + "(batches of ").append(batchRows).append(" rows) on the executors, every row decoded from Spark, scored, its "
                        + "prediction compared with the label in one aggregate: rows/s includes Spark's scan and row conversion. "
                        + "Forward pass only: the same `ForwardPass` on one driver thread over the rows already gathered into float "
                        + "batches (no Spark). ONNX Runtime: the exported FP32 model in the driver JVM on the same float batches, "
                        + "made into tensors beforehand.\n\n");
        b.append("| engine | rows/s | vs transform fp32 | seconds per pass | accuracy |\n|---|---|---|---|---|\n");
        double fp32 = results.get(0).rowsPerSecond();
        for (Result r : results) {
            b.append("| ").append(r.engine()).append(" | ").append(String.format(Locale.ROOT, "%,.0f", r.rowsPerSecond())).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2fx", r.rowsPerSecond() / fp32)).append(" | ")
                    .append(r.seconds().stream().map(x -> String.format(Locale.ROOT, "%.2f", x)).toList()).append(" | ")
                    .append(String.format(Locale.ROOT, "%.4f", r.accuracy())).append(" |\n");
        }
        b.append(END).append('\n');
        return b.toString();
    }
}
