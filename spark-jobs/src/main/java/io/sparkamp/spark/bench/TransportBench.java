package io.sparkamp.spark.bench;

import io.sparkamp.core.config.Settings;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.cli.TrainCommand;
import io.sparkamp.spark.json.Json;
import io.sparkamp.spark.report.Machine;
import io.sparkamp.spark.transport.DriverReceiveProbe;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The step-transport benchmark: what a step costs besides its compute with one Spark job per step and
 * with long-lived barrier tasks, side by side in one run. Three parts:
 * <ol>
 *   <li>Fashion-MNIST at several global batches, both transports, FP32, with the PyTorch peer at the same
 *       batch: steady-state samples/s (the first steps untimed, as the peer's) and the share of a step
 *       spent outside task compute;</li>
 *   <li>the number of partials per step: the same global batch over 2, 8, 32 partitions ({@code local[P]});</li>
 *   <li>the driver's cost to receive and sum partials over gRPC per MB, from which the section projects
 *       the per-step cost at 64 and 256 executors.</li>
 * </ol>
 */
final class TransportBench {
    static final String START = "<!-- transport-bench:start (written by bin/amp bench) -->";
    static final String END = "<!-- transport-bench:end -->";

    private TransportBench() {
    }

    /** One timed training run: its transport, batch, partitions and steady-state figures. */
    record Run(String transport, int batch, int partitions, double samplesPerSecond, double overheadFraction,
               double medianStepMs, double medianComputeMs, double wallSeconds) {
    }

    /** Runs the benchmark (stopping {@code spark} before the runs that need their own master) and writes its section. */
    static void run(SparkSession spark, Settings s, Settings base, String data, String master, String commandLine,
                    PrintStream out) {
        if (TransportBenchSettings.SKIP.get(s)) {
            return;
        }
        long steps = TransportBenchSettings.STEPS.get(s);
        long warmup = TransportBenchSettings.WARMUP.get(s);
        if (warmup >= steps) {
            throw new io.sparkamp.core.config.ConfigException("transport-warmup (" + warmup + ") must be below transport-steps ("
                    + steps + ")");
        }
        List<Run> batches = new ArrayList<>();
        Map<Integer, PytorchPeer.Result> peers = new LinkedHashMap<>();
        for (String b : TransportBenchSettings.BATCHES.get(s).split(",")) {
            int batch = Integer.parseInt(b.trim());
            for (String transport : List.of("jobs", "barrier")) {
                out.println("bench: transport " + transport + ", global batch " + batch + ", " + steps + " steps");
                batches.add(train(spark, base, data, transport, batch, 0, steps, warmup, out));
            }
            PytorchPeer.Result peer = PytorchPeer.fp32At(s, master, batch, steps - warmup, out);
            if (peer != null) {
                peers.put(batch, peer);
            }
        }
        ModelSpec model = ModelSpec.parse(base.string("model", "mlp 784-512-256-10 relu"));
        List<DriverReceiveProbe.Result> receive = new ArrayList<>();
        for (int tasks : new int[] {2, 8, 32}) {
            out.println("bench: driver receive+sum over gRPC, " + tasks + " senders of " + model.parameterCount() + " FP32 gradients");
            receive.add(DriverReceiveProbe.measure(model.parameterCount(), tasks, 40, 10));
        }
        spark.stop();
        List<Run> partials = new ArrayList<>();
        for (String p : TransportBenchSettings.PARTITIONS.get(s).split(",")) {
            int partitions = Integer.parseInt(p.trim());
            SparkSession session = SparkSessions.create("local[" + partitions + "]", "spark-amp bench, " + partitions + " partitions");
            try {
                for (String transport : List.of("jobs", "barrier")) {
                    out.println("bench: transport " + transport + ", " + partitions + " partitions in local[" + partitions + "]");
                    partials.add(train(session, base, data, transport, 4096, partitions, Math.min(steps, 80), Math.min(warmup, 20), out));
                }
            } finally {
                session.stop();
            }
        }
        List<Run> cluster = new ArrayList<>();
        String clusterMaster = TransportBenchSettings.CLUSTER.isSet(s) ? TransportBenchSettings.CLUSTER.get(s) : null;
        if (clusterMaster != null) {
            if (System.getProperty("spark.jars") == null || System.getenv("SPARK_HOME") == null) {
                throw new io.sparkamp.core.config.ConfigException("transport-cluster " + clusterMaster + " needs SPARK_HOME and "
                        + "the job jar in spark.jars (AMP_JAVA_OPTS=-Dspark.jars=spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT-job.jar)");
            }
            SparkSession session = SparkSessions.create(clusterMaster, "spark-amp bench, " + clusterMaster);
            try {
                for (int batch : new int[] {256, 4096}) {
                    for (String transport : List.of("jobs", "barrier")) {
                        out.println("bench: transport " + transport + ", global batch " + batch + " in " + clusterMaster);
                        cluster.add(train(session, base, data, transport, batch, 0, Math.min(steps, 100), Math.min(warmup, 20), out));
                    }
                }
            } finally {
                session.stop();
            }
        }
        Path report = Path.of(s.string("out", "BENCHMARKS.md"));
        String kept = cluster.isEmpty() ? keptClusterBlock(report) : "";
        BenchReport.splice(report,
                section(commandLine, master, steps, warmup, batches, peers, partials, receive, model, clusterMaster, cluster, kept),
                START, END);
    }

    private static Run train(SparkSession spark, Settings base, String data, String transport, int batch, int partitions,
                             long steps, long warmup, PrintStream out) {
        String where = spark.sparkContext().master().replaceAll("[^A-Za-z0-9]+", "_");
        Path metrics = Path.of("runs/bench/transport-" + where + "-" + transport + "-" + batch + "-" + partitions + ".jsonl");
        try {
            Files.createDirectories(metrics.getParent());
            Files.deleteIfExists(metrics);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare " + metrics, e);
        }
        Settings s = new Settings();
        for (String key : base.keys()) {
            if (!key.startsWith("checkpoint") && !key.equals("metrics") && !key.equals("test-data") && !key.startsWith("eval")) {
                s.set(key, base.string(key, ""), base.sourceOf(key));
            }
        }
        s.set("data", data, "bench");
        s.set("precision", "fp32", "bench");
        s.set("batch-size", Integer.toString(batch), "bench");
        s.set("micro-batch-size", Integer.toString(Math.min(512, batch)), "bench");
        s.set("steps", Long.toString(steps), "bench");
        s.set("partitions", Integer.toString(partitions), "bench");
        s.set("transport", transport, "bench");
        s.set("metrics", metrics.toString(), "bench");
        s.set("log-every", "1000", "bench");
        long started = System.nanoTime();
        TrainCommand.run(JobConfig.from(s), spark, new PrintStream(OutputStream.nullOutputStream()));
        double seconds = (System.nanoTime() - started) / 1e9;
        List<double[]> timed = new ArrayList<>(); // rows, step ms, compute ms
        try {
            for (String line : Files.readAllLines(metrics)) {
                Map<String, Object> m = Json.parse(line);
                if (m.get("step_ms") instanceof Number step && ((Number) m.get("step")).longValue() > warmup) {
                    timed.add(new double[] {((Number) m.get("rows")).doubleValue(), step.doubleValue(),
                            ((Number) m.get("compute_ms")).doubleValue()});
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + metrics, e);
        }
        double rows = timed.stream().mapToDouble(t -> t[0]).sum();
        double stepMs = timed.stream().mapToDouble(t -> t[1]).sum();
        double computeMs = timed.stream().mapToDouble(t -> t[2]).sum();
        Run run = new Run(transport, batch, partitions, rows / (stepMs / 1000), 1 - computeMs / stepMs,
                median(timed.stream().mapToDouble(t -> t[1]).toArray()), median(timed.stream().mapToDouble(t -> t[2]).toArray()),
                seconds);
        out.println("bench: " + run);
        return run;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length == 0 ? Double.NaN : sorted[sorted.length / 2];
    }

    private static String section(String command, String master, long steps, long warmup, List<Run> batches,
                                  Map<Integer, PytorchPeer.Result> peers, List<Run> partials,
                                  List<DriverReceiveProbe.Result> receive, ModelSpec model, String clusterMaster,
                                  List<Run> cluster, String keptCluster) {
        Machine machine = Machine.current();
        StringBuilder b = new StringBuilder(START).append('\n');
        b.append("## Step transport: one Spark job per step vs long-lived barrier tasks (`bin/amp bench`)\n\n");
        b.append("- Date: ").append(LocalDate.now()).append("; command: `").append(command).append("`\n");
        b.append("- Machine: ").append(machine.cpuModel()).append(", ").append(machine.cores()).append(" cores; flags of note: ")
                .append(machine.cpuFlags()).append(". Shared host: compare the ratios, measured side by side in one run.\n");
        b.append("- Method: Fashion-MNIST, `").append(model.toSpecString()).append("`, FP32, Adam, master `").append(master)
                .append("`, ").append(steps).append(" steps per run of which the first ").append(warmup)
                .append(" are not timed (JIT compilation, first decode, stage launch; the PyTorch peer likewise times ")
                .append(steps - warmup).append(" steps after 10 untimed). samples/s = rows of the timed steps / their summed step time; ")
                .append("outside compute = 1 - (slowest task's compute) / (step time), summed over the timed steps. "
                        + "In local mode the barrier tasks run in the driver's JVM and hand their partials over in memory; "
                        + "the gRPC cost a cluster pays is measured apart (third table).\n\n");
        b.append("| global batch | transport | samples/s | vs jobs | median step ms | median compute ms | outside compute | PyTorch fp32 samples/s | vs PyTorch |\n");
        b.append("|---|---|---|---|---|---|---|---|---|\n");
        for (Run r : batches) {
            Run jobs = batches.stream().filter(x -> x.batch() == r.batch() && x.transport().equals("jobs")).findFirst().orElseThrow();
            PytorchPeer.Result peer = peers.get(r.batch());
            b.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %.2fx | %.1f | %.1f | %.0f%% | %s | %s |%n", r.batch(), r.transport(),
                    r.samplesPerSecond(), r.samplesPerSecond() / jobs.samplesPerSecond(), r.medianStepMs(), r.medianComputeMs(),
                    100 * r.overheadFraction(), peer == null ? "n/a" : String.format(Locale.ROOT, "%,.0f", peer.samplesPerSecond()),
                    peer == null ? "n/a" : String.format(Locale.ROOT, "%.2fx", r.samplesPerSecond() / peer.samplesPerSecond())));
        }
        List<String> referencePeers = peers.values().stream().filter(p -> p.blas().isReference()).map(p -> p.blas().path())
                .distinct().toList();
        if (!referencePeers.isEmpty()) {
            b.append("\nPyTorch computed with the reference BLAS (").append(String.join(", ", referencePeers))
                    .append("), an unblocked single-threaded loop: the vs PyTorch column is not a fair comparison "
                            + "(apt-get install -y libopenblas0-pthread, then run the bench again).\n");
        }
        b.append("\nPartials per step: global batch 4096 over P partitions in `local[P]` (P task threads share the machine's ")
                .append(machine.cores()).append(" cores, so compute per step stays the same and the step time grows by what each partial costs):\n\n");
        b.append("| partitions (partials per step) | transport | samples/s | median step ms | median compute ms | outside compute |\n|---|---|---|---|---|---|\n");
        for (Run r : partials) {
            b.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %.1f | %.1f | %.0f%% |%n", r.partitions(), r.transport(),
                    r.samplesPerSecond(), r.medianStepMs(), r.medianComputeMs(), 100 * r.overheadFraction()));
        }
        b.append("\nThe driver's receive + decode + ordered sum over gRPC (loopback; the senders are threads of the same JVM on the "
                + "same cores, each sending a ").append(String.format(Locale.ROOT, "%.2f", model.parameterCount() * 4 / 1e6))
                .append(" MB FP32 partial per step and receiving the FP32 weights):\n\n");
        b.append("| senders | median ms per step | MB received per step | ms per MB received |\n|---|---|---|---|\n");
        for (DriverReceiveProbe.Result r : receive) {
            b.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %.2f |%n", r.senders(), r.medianStepMs(), r.megabytesPerStep(),
                    r.msPerMegabyte()));
        }
        if (!cluster.isEmpty()) {
            b.append("\nExecutors in JVMs of their own: `").append(clusterMaster).append("` (the job jar on the executors; the barrier "
                    + "tasks send their partials to the driver over gRPC, relocated in the job jar; ")
                    .append(Math.min(steps, 100)).append(" steps, the first ").append(Math.min(warmup, 20)).append(" untimed):\n\n");
            b.append("| global batch | transport | samples/s | vs jobs | median step ms | median compute ms | outside compute |\n");
            b.append("|---|---|---|---|---|---|---|\n");
            for (Run r : cluster) {
                Run jobs = cluster.stream().filter(x -> x.batch() == r.batch() && x.transport().equals("jobs")).findFirst().orElseThrow();
                b.append(String.format(Locale.ROOT, "| %d | %s | %,.0f | %.2fx | %.1f | %.1f | %.0f%% |%n", r.batch(), r.transport(),
                        r.samplesPerSecond(), r.samplesPerSecond() / jobs.samplesPerSecond(), r.medianStepMs(), r.medianComputeMs(),
                        100 * r.overheadFraction()));
            }
        }
        b.append(keptCluster);
        b.append(projection(receive, model, batches));
        b.append(END).append('\n');
        return b.toString();
    }

    private static final String CLUSTER_HEAD = "Executors in JVMs of their own";

    /**
     * The multi-JVM table of the section already in {@code report}, for a run that does not measure it again (only
     * {@code transport-cluster} does): kept, its heading saying when and on which machine it was measured, instead of
     * being dropped.
     * Empty when the report has no such table.
     */
    static String keptClusterBlock(Path report) {
        String text;
        try {
            text = Files.exists(report) ? Files.readString(report, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + report, e);
        }
        int start = text.indexOf(START);
        int end = text.indexOf(END);
        if (start < 0 || end < start) {
            return "";
        }
        String section = text.substring(start, end);
        int head = section.indexOf("\n" + CLUSTER_HEAD);
        if (head < 0) {
            return "";
        }
        int table = section.indexOf("\n|", head);
        if (table < 0) {
            return ""; // a heading without its table: nothing worth keeping
        }
        int tableEnd = section.indexOf("\n\n", table);
        String block = section.substring(head, tableEnd < 0 ? section.length() : tableEnd + 1);
        if (block.startsWith("\n" + CLUSTER_HEAD + ":")) {
            Matcher date = Pattern.compile("\n- Date: (\\d{4}-\\d{2}-\\d{2})").matcher(section);
            String when = date.find() ? date.group(1) : "in an earlier run";
            // Later runs may be on another machine: the kept table names the one it was measured on.
            Matcher machine = Pattern.compile("\n- Machine: ([^;\n]*?)(?:, \\d+ cores)?[;\n]").matcher(section);
            String on = machine.find() ? " on " + machine.group(1) : "";
            block = "\n" + CLUSTER_HEAD + " (measured " + when + on + "; kept by later runs of the bench, which measure it only with "
                    + "`--transport-cluster`)" + block.substring(CLUSTER_HEAD.length() + 1);
        }
        return block;
    }

    /** Executors of the projection, and cores per executor when each core runs its own task. */
    private static final int[] EXECUTORS = {64, 256};
    private static final int CORES_PER_EXECUTOR = 8;

    /**
     * The driver's receive+sum time per step at many executors, from the measured cost per MB (the worst of
     * the measured sender counts), with one partial per core (one task per core) and with one per executor
     * (one task per executor, task-threads = its cores); and the largest model whose partials the driver
     * takes within 100 ms and 1 s per step.
     */
    private static String projection(List<DriverReceiveProbe.Result> receive, ModelSpec model, List<Run> batches) {
        double msPerMb = receive.stream().mapToDouble(DriverReceiveProbe.Result::msPerMegabyte).max().orElse(Double.NaN);
        double partialMb = model.parameterCount() * 4 / 1e6;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%nProjection (arithmetic on the measured %.2f ms per MB, the worst of the three sender counts; "
                + "the driver's receive and sum grow with the partials it takes, %.2f MB each for this model; %d-core executors):%n%n",
                msPerMb, partialMb, CORES_PER_EXECUTOR));
        b.append("| executors | partials per step | driver receive+sum per step | largest model within 100 ms per step | within 1 s per step |\n");
        b.append("|---|---|---|---|---|\n");
        for (int executors : EXECUTORS) {
            for (int partials : new int[] {executors * CORES_PER_EXECUTOR, executors}) {
                double ms = partials * partialMb * msPerMb;
                b.append(String.format(Locale.ROOT, "| %d | %d (%s) | %.0f ms | %s | %s |%n", executors, partials,
                        partials == executors ? "one task per executor, task-threads " + CORES_PER_EXECUTOR : "one task per core",
                        ms, parameters(100, partials, msPerMb), parameters(1000, partials, msPerMb)));
            }
        }
        Run fastest = batches.stream().filter(r -> r.transport().equals("barrier") && r.batch() == 4096).findFirst().orElse(null);
        if (fastest != null) {
            b.append(String.format(Locale.ROOT, "%nFor scale: the barrier run at global batch 4096 above took %.0f ms per step on this "
                    + "machine's %d cores, of which the driver's share (everything outside task compute) was %.0f%%.%n",
                    fastest.medianStepMs(), Machine.current().cores(), 100 * fastest.overheadFraction()));
        }
        return b.toString();
    }

    /** Parameters whose FP32 partials, {@code partials} of them, the driver takes in {@code budgetMs}. */
    private static String parameters(double budgetMs, int partials, double msPerMb) {
        double params = budgetMs / (partials * msPerMb) * 1e6 / 4;
        return params >= 1e6 ? String.format(Locale.ROOT, "%.1f M parameters", params / 1e6)
                : String.format(Locale.ROOT, "%.0f k parameters", params / 1e3);
    }
}
