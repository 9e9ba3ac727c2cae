package io.sparkamp.spark.bench;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.cli.TrainCommand;
import org.apache.spark.sql.SparkSession;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code amp bench}: the end-to-end benchmark on Fashion-MNIST, everything side by side in one Spark
 * session on one machine: each precision trained to the target test accuracy (samples/s, time to
 * target, cache and broadcast bytes, Spark overhead), the same run on the training set replicated N
 * times (throughput must not depend on the data size), and Spark MLlib's MLP on the same data, layers
 * and master. Writes the results, the machine and the exact command into BENCHMARKS.md.
 */
public final class BenchCommand {
    static final Set<String> KEYS = io.sparkamp.spark.config.JobSettings.keys(BenchSettings.ALL);

    private BenchCommand() {
    }

    public static int run(Settings s, String commandLine, PrintStream out) {
        s.requireKnown(KEYS);
        Settings base = new Settings().load(Path.of(s.string("base-config", "conf/fashion-mnist.conf")));
        String data = s.string("data", base.string("data", null));
        String testData = s.string("test-data", base.string("test-data", null));
        if (data == null || testData == null || !Files.exists(Path.of(data))) {
            throw new ConfigException("bench needs the Fashion-MNIST Parquet sets (--data, --test-data); make them with "
                    + "`bin/amp convert-fashion-mnist --out data/fashion-mnist` (looked for " + data + ")");
        }
        List<String> precisions = List.of(s.string("precisions", "fp32,fp16,bf16").split(","));
        String master = s.string("master", "local[2]");
        SparkSession spark = SparkSessions.create(master, "spark-amp bench");
        PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
        try {
            if (TransportBenchSettings.ONLY.get(s)) {
                TransportBench.run(spark, s, base, data, master, commandLine, out);
                return 0;
            }
            if (InferenceBenchSettings.ONLY.get(s)) {
                InferenceBench.run(spark, s, base, testData, master, commandLine, null, out);
                return 0;
            }
            deleteOldMetrics(precisions); // only now: --inference-only may score a checkpoint of an earlier bench
            List<BenchReport.Run> runs = new ArrayList<>();
            String scored = null; // the checkpoint the inference bench scores: bf16's when trained, else the last run's
            boolean scoredBf16 = false;
            for (String precision : precisions) {
                Map<String, String> overrides = new LinkedHashMap<>();
                overrides.put("precision", precision.trim());
                overrides.put("eval-every", s.string("eval-every", "10"));
                overrides.put("target-accuracy", s.string("target-accuracy", "0.85"));
                overrides.put("epochs", s.string("max-epochs", base.string("epochs", "15")));
                overrides.put("metrics", "runs/bench/" + precision.trim() + ".jsonl");
                overrides.put("checkpoint-dir", checkpointDir(precision).toString());
                overrides.put("checkpoint-every", "0"); // the final checkpoint only: the inference bench scores it
                out.println("bench: training " + precision.trim() + " to " + overrides.get("target-accuracy") + " test accuracy");
                Map<String, Object> summary = TrainCommand.run(job(base, s, data, testData, overrides), spark, quiet);
                runs.add(new BenchReport.Run(precision.trim(), 1, summary));
                out.println("bench: " + summary);
                boolean bf16 = precision.trim().equals("bf16");
                if (summary.get("checkpoint") != null && (bf16 || !scoredBf16)) {
                    scored = String.valueOf(summary.get("checkpoint"));
                    scoredBf16 = bf16;
                }
            }
            InferenceBench.run(spark, s, base, testData, master, commandLine, scored, out);
            // x1, xN, x1, xN: alternating cancels the machine's slow drifts; each size reports the mean of two runs.
            List<BenchReport.Run> scaling = new ArrayList<>();
            int replicate = s.integer("replicate", 4);
            String scalingPrecision = s.string("replicate-precision", "bf16");
            List<Map<String, Object>> ones = new ArrayList<>();
            List<Map<String, Object>> manys = new ArrayList<>();
            for (int round = 0; round < 2; round++) {
                for (int times : new int[] {1, replicate}) {
                    Map<String, String> overrides = new LinkedHashMap<>();
                    overrides.put("precision", scalingPrecision);
                    overrides.put("steps", s.string("throughput-steps", "120"));
                    overrides.put("replicate", Integer.toString(times));
                    out.println("bench: throughput of " + scalingPrecision + " on the training set x" + times);
                    Map<String, Object> summary = TrainCommand.run(job(base, s, data, null, overrides), spark, quiet);
                    (times == 1 ? ones : manys).add(summary);
                    out.println("bench: " + summary);
                }
            }
            scaling.add(new BenchReport.Run(scalingPrecision, 1, meanThroughput(ones)));
            scaling.add(new BenchReport.Run(scalingPrecision, replicate, meanThroughput(manys)));
            MllibBaseline.Result mllib = null;
            if (!s.bool("skip-mllib", false)) {
                int[] layers = mlpLayers(base.string("model", "mlp 784-512-256-10 relu"));
                int iterations = s.integer("mllib-iterations", 50);
                out.println("bench: Spark MLlib MultilayerPerceptronClassifier, " + iterations + " L-BFGS iterations");
                mllib = MllibBaseline.run(spark, data, testData, layers, iterations, 7);
                out.println("bench: " + mllib);
                if (mllib.library().isReference()) {
                    out.println(mllib.library().warning("Spark MLlib"));
                }
            }
            Path report = Path.of(s.string("out", "BENCHMARKS.md"));
            BenchReport.write(report, commandLine, master, spark.version(), runs, scaling, mllib,
                    Double.parseDouble(s.string("target-accuracy", "0.85")));
            PytorchPeer.compare(s, runs, master, report, out);
            TransportBench.run(spark, s, base, data, master, commandLine, out); // last: it stops the session for its local[P] runs
            out.println("bench: results written to " + report);
            return 0;
        } finally {
            spark.stop();
        }
    }

    private static JobConfig job(Settings base, Settings flags, String data, String testData, Map<String, String> overrides) {
        Settings s = new Settings();
        for (String key : base.keys()) {
            if (!key.startsWith("checkpoint") && !key.equals("metrics") && !key.equals("test-data")) {
                s.set(key, base.string(key, ""), base.sourceOf(key));
            }
        }
        s.set("data", data, "bench");
        if (testData != null) {
            s.set("test-data", testData, "bench");
        }
        for (String key : new String[] {"partitions", "batch-size"}) {
            if (flags.has(key)) {
                s.set(key, flags.string(key, ""), flags.sourceOf(key));
            }
        }
        s.set("log-every", "100", "bench");
        overrides.forEach((k, v) -> s.set(k, v, "bench"));
        return JobConfig.from(s);
    }

    /** The first summary with samples_per_second replaced by the mean over all of them. */
    private static Map<String, Object> meanThroughput(List<Map<String, Object>> runs) {
        Map<String, Object> mean = new LinkedHashMap<>(runs.get(0));
        double sum = 0;
        for (Map<String, Object> r : runs) {
            sum += ((Number) r.get("samples_per_second")).doubleValue();
        }
        mean.put("samples_per_second", sum / runs.size());
        mean.put("runs", runs.size());
        return mean;
    }

    private static void deleteOldMetrics(List<String> precisions) {
        for (String p : precisions) {
            try {
                Files.deleteIfExists(Path.of("runs/bench/" + p.trim() + ".jsonl"));
                Path checkpoints = checkpointDir(p);
                if (Files.exists(checkpoints)) { // a fresh run each time, not a resume of the previous bench's
                    try (java.util.stream.Stream<Path> files = Files.walk(checkpoints)) {
                        for (Path f : (Iterable<Path>) files.sorted(java.util.Comparator.reverseOrder())::iterator) {
                            Files.delete(f);
                        }
                    }
                }
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException("cannot remove the previous bench metrics or checkpoints of " + p, e);
            }
        }
    }

    /** Where the bench's training run of {@code precision} keeps its final checkpoint. */
    private static Path checkpointDir(String precision) {
        return Path.of("runs/bench/" + precision.trim() + "/checkpoints");
    }

    /** MLlib's layer sizes for the same model: input, every Linear's width. */
    static int[] mlpLayers(String spec) {
        ModelSpec model = ModelSpec.parse(spec);
        List<Integer> sizes = new ArrayList<>();
        sizes.add(model.inputSize());
        for (io.sparkamp.core.nn.ParamView view : model.layout().views()) {
            if (view.name().endsWith(".weight")) {
                sizes.add(view.cols());
            }
        }
        return sizes.stream().mapToInt(Integer::intValue).toArray();
    }
}
