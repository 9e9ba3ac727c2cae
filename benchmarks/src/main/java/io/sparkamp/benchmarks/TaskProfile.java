package io.sparkamp.benchmarks;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.GemmShape;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;
import jdk.jfr.Recording;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CyclicBarrier;

/**
 * A task's compute against its GEMM floor, in one JVM, in CPU time (the calling thread's: oneDNN runs on it
 * with OMP_NUM_THREADS=1), so the other processes of a shared machine change the result less than wall
 * time: for each precision, after {@code warmup} steps, the median of {@code steps} task steps ({@link TaskFixture}), and the median CPU
 * time of each of the model's multiplies alone on the same kernel with off-heap operands (×4 micro-batches
 * per task), with each multiply's median inside the task beside it. {@code --threads N} runs N tasks at
 * once, step by step in lockstep (as Spark's barrier tasks on N cores do). {@code --kernel NAME} (auto, native,
 * vector, ...; the job's {@code kernel} setting) picks the GEMM kernel. With {@code --jfr DIR} the timed
 * steps are recorded by Flight Recorder (1 ms sampling) into DIR/task-PRECISION.jfr, which {@code benchmarks/profile_ops.py} turns into a per-op table.
 *
 * <pre>java --add-modules jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED \
 *     -cp benchmarks/target/benchmarks.jar io.sparkamp.benchmarks.TaskProfile [--steps 60] [--warmup 150] [--threads 1] [--kernel auto] [--jfr DIR]
 *     [fp32 fp16 bf16]</pre>
 */
public final class TaskProfile {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TaskProfile() {
    }

    public static void main(String[] args) throws Exception {
        int steps = 60;
        int warmup = 150; // C2 settles the vector loops after about 2 s of steps
        int threads = 1;
        Path jfr = null;
        String kernel = "auto";
        List<String> precisions = List.of("fp32", "fp16", "bf16");
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--steps")) {
                steps = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--warmup")) {
                warmup = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--threads")) {
                threads = Integer.parseInt(args[++i]);
            } else if (args[i].equals("--kernel")) {
                kernel = args[++i];
            } else if (args[i].equals("--jfr")) {
                jfr = Path.of(args[++i]);
            } else {
                precisions = Arrays.asList(Arrays.copyOfRange(args, i, args.length));
                break;
            }
        }
        if (jfr != null) {
            // The first recording of a JVM made HotSpot throw away every compiled method (likely the first class
            // retransformation, which JFR's start performs; docs/vector-code.md). Started after warm-up, that put
            // seconds of interpreted and C1 code, with the Vector API's Java fallback, into the timed steps. One
            // recording here, before any warm-up, takes that hit while nothing is timed; later ones deoptimize nothing.
            startRecording().close();
        }
        System.out.println("| precision | kernel | task wall ms (median) | task CPU ms (median) | its GEMMs CPU ms (4 x sum of medians) | GEMM floor CPU ms (4 x sum) | task / floor |");
        System.out.println("|---|---|---|---|---|---|---|");
        StringBuilder perShape = new StringBuilder();
        for (String name : precisions) {
            Precision precision = Precision.parse(name, "precision");
            List<TaskFixture> tasks = new ArrayList<>();
            try {
                for (int t = 0; t < threads; t++) {
                    tasks.add(new TaskFixture(precision, kernel));
                }
                TaskFixture task = tasks.get(0);
                double[][] wall = new double[threads][];
                double[][] cpu = new double[threads][];
                Recording[] recording = new Recording[1];
                int warm = warmup;
                int timed = steps;
                Path recordTo = jfr;
                // Every task thread runs its steps in lockstep with the others, as barrier tasks do.
                CyclicBarrier lockstep = new CyclicBarrier(threads);
                List<Thread> running = new ArrayList<>();
                Throwable[] failure = new Throwable[1];
                for (int t = 0; t < threads; t++) {
                    int id = t;
                    Thread thread = new Thread(() -> {
                        try {
                            runSteps(tasks.get(id), warm, timed, lockstep, id == 0 ? recording : null, recordTo,
                                    wall, cpu, id);
                        } catch (Throwable e) {
                            synchronized (failure) {
                                if (failure[0] == null) {
                                    failure[0] = e;
                                }
                            }
                            lockstep.reset(); // the other task threads stop waiting for this one
                        }
                    }, "task-" + t);
                    running.add(thread);
                    thread.start();
                }
                for (Thread thread : running) {
                    thread.join();
                }
                if (failure[0] != null) {
                    throw new IllegalStateException("a task thread failed", failure[0]);
                }
                if (recording[0] != null) {
                    recording[0].stop();
                    java.nio.file.Files.createDirectories(jfr);
                    recording[0].dump(jfr.resolve("task-" + name + ".jfr"));
                    recording[0].close();
                }
                double floor = 0;
                double gemmInTask = 0;
                List<GemmShape> shapes = task.model.gemmShapes(TaskFixture.MICRO_BATCH);
                for (GemmShape shape : shapes) {
                    double ms = gemmCpuMillis(task, shape);
                    floor += ms;
                    List<Double> inTask = new ArrayList<>();
                    for (TaskFixture each : tasks) {
                        inTask.addAll(each.timed.millis().getOrDefault(shape, List.of()));
                    }
                    double inTaskMs = median(inTask.stream().mapToDouble(Double::doubleValue).toArray());
                    gemmInTask += inTaskMs;
                    perShape.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.3f | %.2f |%n", name, shape, ms, inTaskMs,
                            inTaskMs / ms));
                }
                floor *= TaskFixture.SHARE / TaskFixture.MICRO_BATCH;
                gemmInTask *= TaskFixture.SHARE / TaskFixture.MICRO_BATCH;
                double[] allWall = Arrays.stream(wall).flatMapToDouble(Arrays::stream).toArray();
                double[] allCpu = Arrays.stream(cpu).flatMapToDouble(Arrays::stream).toArray();
                System.out.printf(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.1f | %.1f | %.2f |%n", name, task.gemm.kernel().name(),
                        median(allWall), median(allCpu), gemmInTask, floor, median(allCpu) / floor);
            } finally {
                tasks.forEach(TaskFixture::close);
            }
        }
        System.out.println();
        System.out.println("| precision | multiply (B = 512) | CPU ms per call alone (median of 100) | in the task (median) | in task / alone |");
        System.out.println("|---|---|---|---|---|");
        System.out.print(perShape);
    }

    /** One task thread: warm-up steps, then timed steps (their GEMMs timed too), in lockstep with the others. */
    private static void runSteps(TaskFixture task, int warmup, int steps, CyclicBarrier lockstep, Recording[] recording,
                                 Path jfr, double[][] wall, double[][] cpu, int id) throws Exception {
        for (int i = 0; i < warmup; i++) {
            lockstep.await();
            task.step();
        }
        lockstep.await();
        if (recording != null && jfr != null) {
            recording[0] = startRecording();
        }
        task.timed.record(true);
        wall[id] = new double[steps];
        cpu[id] = new double[steps];
        for (int i = 0; i < steps; i++) {
            lockstep.await();
            long cpu0 = THREADS.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            task.step();
            wall[id][i] = (System.nanoTime() - wall0) / 1e6;
            cpu[id][i] = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
        }
        task.timed.record(false);
    }

    private static Recording startRecording() {
        Recording recording = new Recording();
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(1));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(1));
        recording.start();
        return recording;
    }

    /** Median CPU time of one multiply of {@code shape} on the task's kernel, operands as the layers hold them. */
    private static double gemmCpuMillis(TaskFixture task, GemmShape shape) {
        Precision storage = task.gemm.operandStorage(task.precision);
        try (Workspace ws = Workspace.offHeap()) {
            SplittableRandom random = new SplittableRandom(5);
            Matrix a = fill(ws.matrix(shape, "a", storage, shape.m(), shape.k()), task.precision, random);
            Matrix b = fill(ws.matrix(shape, "b", storage, shape.k(), shape.n()), task.precision, random);
            Matrix c = ws.matrix(shape, "c", Precision.FP32, shape.m(), shape.n());
            double[] cpu = new double[100];
            for (int i = -10; i < cpu.length; i++) {
                long cpu0 = THREADS.getCurrentThreadCpuTime();
                task.gemm.multiply(task.precision, shape.transA(), shape.transB(), shape.m(), shape.n(), shape.k(), a, b, c,
                        shape.accumulate());
                if (i >= 0) {
                    cpu[i] = (THREADS.getCurrentThreadCpuTime() - cpu0) / 1e6;
                }
            }
            return median(cpu);
        }
    }

    private static Matrix fill(Matrix m, Precision precision, SplittableRandom random) {
        for (int i = 0; i < m.size(); i++) {
            m.set(i, precision.round((float) random.nextDouble(-1, 1)));
        }
        return m;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted.length % 2 == 1 ? sorted[sorted.length / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2;
    }
}
