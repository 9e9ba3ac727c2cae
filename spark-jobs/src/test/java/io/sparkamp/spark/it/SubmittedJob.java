package io.sparkamp.spark.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An {@code amp} command run as {@code spark-submit} runs the shaded job jar: a JVM of its own under Spark's
 * {@code org.apache.spark.deploy.SparkSubmit} with {@code --master local[2]}, whose stdout and stderr go to
 * files in a work directory.
 */
final class SubmittedJob {
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private SubmittedJob(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Starts {@code amp jobArgs...}; {@code name} names its output files in {@code work}, and {@code jvmOptions} go to the
     * driver JVM (e.g. a test hook's system property).
     */
    static SubmittedJob start(Path work, String name, List<String> jvmOptions, String... jobArgs) throws IOException {
        Path home = ClusterFixtures.sparkHome();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The spark-submit script's launcher adds Spark's --add-opens list; calling SparkSubmit directly, we do.
        cmd.addAll(List.of(System.getProperty("spark.amp.javaOpens", "").trim().split("\\s+")));
        cmd.add("-Xmx1g"); // before jvmOptions, so that a test can give the driver another heap
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of(
                "-cp", home.resolve("jars") + "/*",
                "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]",
                "--conf", "spark.ui.enabled=false",
                // the project's own runs prove every class of ours is registered (users' jobs leave it off)
                "--conf", "spark.kryo.registrationRequired=true",
                "--properties-file", Path.of("..", "conf", "spark-defaults.conf").toString(),
                "--class", "io.sparkamp.spark.TrainJob",
                ClusterFixtures.jobJar().toString()));
        cmd.addAll(List.of(jobArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Path out = work.resolve("stdout-" + name + ".txt");
        Path err = work.resolve("stderr-" + name + ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        return new SubmittedJob(pb.start(), out, err);
    }

    /** Runs {@code amp jobArgs...} to the end (at most 5 minutes). */
    static Result run(Path work, String name, String... jobArgs) throws IOException, InterruptedException {
        return start(work, name, List.of(), jobArgs).waitFor();
    }

    Process process() {
        return process;
    }

    /** Waits for the job to end (at most 5 minutes) and returns what it printed. */
    Result waitFor() throws IOException, InterruptedException {
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("job did not finish in 5 minutes; stderr: " + stderr);
        }
        return result();
    }

    /** What the job has printed so far, with its exit code (-1 while it runs). */
    Result result() throws IOException {
        return new Result(process.isAlive() ? -1 : process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
    }

    record Result(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }

        /** stdout and stderr together, for assertion messages. */
        String output() {
            return stdout + "\n--- stderr ---\n" + stderr;
        }
    }
}
