package io.sparkamp.spark.it;

import io.sparkamp.spark.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

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
        SubmittedJob.Result generate = submit("generate", "--out", data.toString(), "--rows", "600", "--test-rows", "200",
                "--features", "16", "--classes", "4", "--noise", "1.0", "--seed", "3");
        assertEquals(0, generate.exitCode(), generate.output());

        Path checkpoints = work.resolve("ckpt");
        SubmittedJob.Result train = submit("train", "--data", data.resolve("train").toString(), "--test-data", data.resolve("test").toString(),
                "--model", "mlp 16-32-4 relu", "--precision", "fp16", "--steps", "40", "--batch-size", "64",
                "--lr", "0.01", "--checkpoint-dir", checkpoints.toString(), "--log-every", "20");
        assertEquals(0, train.exitCode(), train.output());
        Map<String, Object> summary = Json.parse(train.lastLine());
        assertEquals(40, ((Number) summary.get("steps")).intValue());
        assertTrue(((Number) summary.get("test_accuracy")).doubleValue() > 0.5, "trained well above chance (0.25): " + summary);
        assertTrue(Files.exists(checkpoints.resolve("step-00000040").resolve("MANIFEST.json")), "final checkpoint committed");
    }

    private SubmittedJob.Result submit(String... jobArgs) throws IOException, InterruptedException {
        return SubmittedJob.run(work, jobArgs[0], jobArgs);
    }
}
