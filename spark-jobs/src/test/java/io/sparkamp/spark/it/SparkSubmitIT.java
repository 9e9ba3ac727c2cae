package io.sparkamp.spark.it;

import io.sparkamp.spark.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shaded job jar runs under Spark's own {@code org.apache.spark.deploy.SparkSubmit}, as
 * {@code spark-submit} runs it, with a Spark classpath that holds Spark 3.5's own Arrow 12: the job can
 * only work if its relocated Arrow 19 is complete and never meets {@code org.apache.arrow} 12.
 */
class SparkSubmitIT {
    @TempDir
    Path work;

    @Test
    void jobJarGeneratesAndTrainsUnderSparkSubmit() throws Exception {
        assertTrue(ClusterFixtures.sparkHomeHasOnlyArrow12(), "the stand-in Spark must carry Spark's own Arrow 12");
        Path data = work.resolve("data");
        Result generate = submit("generate", "--out", data.toString(), "--rows", "600", "--test-rows", "200",
                "--features", "16", "--classes", "4", "--noise", "1.0", "--seed", "3");
        assertEquals(0, generate.exitCode, generate.output);

        Path checkpoints = work.resolve("ckpt");
        Result train = submit("train", "--data", data.resolve("train").toString(), "--test-data", data.resolve("test").toString(),
                "--model", "mlp 16-32-4 relu", "--precision", "fp16", "--steps", "40", "--batch-size", "64",
                "--lr", "0.01", "--checkpoint-dir", checkpoints.toString(), "--log-every", "20");
        assertEquals(0, train.exitCode, train.output);
        Map<String, Object> summary = Json.parse(train.lastLine());
        assertEquals(40, ((Number) summary.get("steps")).intValue());
        assertTrue(((Number) summary.get("test_accuracy")).doubleValue() > 0.5, "trained well above chance (0.25): " + summary);
        assertTrue(Files.exists(checkpoints.resolve("step-00000040").resolve("MANIFEST.json")), "final checkpoint committed");
    }

    private Result submit(String... jobArgs) throws IOException, InterruptedException {
        Path home = ClusterFixtures.sparkHome();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The spark-submit script's launcher adds Spark's --add-opens list; calling SparkSubmit directly, we do.
        cmd.addAll(List.of(System.getProperty("spark.amp.javaOpens", "").trim().split("\\s+")));
        cmd.addAll(List.of(
                "-Xmx1g", "-cp", home.resolve("jars") + "/*",
                "org.apache.spark.deploy.SparkSubmit",
                "--master", "local[2]",
                "--conf", "spark.ui.enabled=false",
                "--properties-file", Path.of("..", "conf", "spark-defaults.conf").toString(),
                "--class", "io.sparkamp.spark.TrainJob",
                ClusterFixtures.jobJar().toString()));
        cmd.addAll(List.of(jobArgs));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
        pb.environment().put("SPARK_HOME", home.toString());
        pb.environment().put("SPARK_SCALA_VERSION", "2.12");
        pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
        Path out = work.resolve("stdout-" + jobArgs[0] + ".txt");
        Path err = work.resolve("stderr-" + jobArgs[0] + ".txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = pb.start();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("spark-submit " + jobArgs[0] + " did not finish in 5 minutes");
        }
        return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(out, StandardCharsets.UTF_8) + "\n--- stderr ---\n" + Files.readString(err, StandardCharsets.UTF_8));
    }

    private record Result(int exitCode, String stdout, String output) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }
    }
}
