package io.sparkamp.spark.it;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** What the integration tests share: the shaded job jar and the stand-in SPARK_HOME that the build made. */
final class ClusterFixtures {
    private ClusterFixtures() {
    }

    /** spark-jobs-VERSION-job.jar (built by the package phase before integration tests run). */
    static Path jobJar() {
        Path jar = Path.of(System.getProperty("spark.amp.jobJar", "target/missing-job.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("job jar " + jar + " is missing: run integration tests with `mvn verify`");
        }
        return jar;
    }

    /** target/spark-home: jars/ holds Spark with its own Arrow 12, as the build's pre-integration-test phase laid it. */
    static Path sparkHome() {
        Path home = Path.of(System.getProperty("spark.amp.sparkHome", "target/spark-home"));
        if (!Files.isDirectory(home.resolve("jars"))) {
            throw new IllegalStateException("SPARK_HOME stand-in " + home + " has no jars/: run with `mvn verify`");
        }
        return home;
    }

    /** True when the stand-in SPARK_HOME holds Spark's Arrow 12 and no other, as a real Spark 3.5 cluster does. */
    static boolean sparkHomeHasOnlyArrow12() throws IOException {
        try (var files = Files.list(sparkHome().resolve("jars"))) {
            List<String> arrow = files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("arrow-")).toList();
            return !arrow.isEmpty() && arrow.stream().allMatch(n -> n.contains("-12.0.1"));
        }
    }

    /**
     * Runs the shaded job jar under Spark's own {@code SparkSubmit} ({@code --master local[2]},
     * {@code conf/spark-defaults.conf}, strict Kryo registration as every test) in a JVM with {@code heap},
     * as {@code spark-submit --driver-memory heap} would; stdout and stderr go to files under {@code work}.
     */
    static Submitted submit(Path work, String heap, String... jobArgs) throws IOException, InterruptedException {
        Path home = sparkHome();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The spark-submit script's launcher adds Spark's --add-opens list; calling SparkSubmit directly, we do.
        cmd.addAll(List.of(System.getProperty("spark.amp.javaOpens", "").trim().split("\\s+")));
        cmd.addAll(List.of(
                "-Xmx" + heap, "-cp", home.resolve("jars") + "/*",
                "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]",
                "--conf", "spark.ui.enabled=false",
                "--conf", "spark.kryo.registrationRequired=true",
                "--properties-file", Path.of("..", "conf", "spark-defaults.conf").toString(),
                "--class", "io.sparkamp.spark.TrainJob",
                jobJar().toString()));
        cmd.addAll(List.of(jobArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Path out = work.resolve("stdout-" + jobArgs[0] + ".txt");
        Path err = work.resolve("stderr-" + jobArgs[0] + ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = pb.start();
        if (!process.waitFor(8, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("spark-submit " + jobArgs[0] + " did not finish in 8 minutes");
        }
        return new Submitted(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /** What a submitted job printed and returned. */
    record Submitted(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }

        /** Both streams, for assertion messages. */
        String output() {
            return stdout + "\n--- stderr ---\n" + stderr;
        }
    }
}
