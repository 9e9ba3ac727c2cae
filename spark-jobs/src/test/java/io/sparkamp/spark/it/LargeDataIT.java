package io.sparkamp.spark.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.spark.json.Json;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training set three times the size of the driver's heap trains with the default settings: 401,408
 * rows of 1024 features (1.64 GB as FP32 values, 0.88 GB as the FP16 cache) under
 * {@code spark-submit --master local[2]} in a JVM with a 512 MiB heap, in the default 2 partitions.
 * Encoding runs in small batches, Spark's cache spills the partitions to disk, and executors keep them
 * decoded off-heap within their budget. (The Parquet file is small: its rows repeat 4096 distinct rows,
 * which its dictionary encoding stores once; the job reads, validates and caches every row.)
 */
class LargeDataIT {
    private static final long HEAP = 512L << 20;
    private static final int FEATURES = 1024;
    private static final int DISTINCT_ROWS = 4096;
    private static final int REPEATS = 98;

    @TempDir
    Path work;

    @Test
    void aDatasetThreeTimesTheHeapTrainsWithTheDefaultSettings() throws Exception {
        Path data = work.resolve("wide");
        long rows = writeData(data);
        assertTrue(rows * FEATURES * 4L >= 3 * HEAP, "at least three times the heap as FP32 values");

        SubmittedJob.Result run = SubmittedJob.start(work, "train", List.of("-Xmx" + (HEAP >> 20) + "m"), "train",
                "--data", data.toString(), "--model", "mlp " + FEATURES + "-16-4 relu", "--steps", "8", "--batch-size", "256",
                "--log-every", "4").waitFor();

        assertEquals(0, run.exitCode(), run.output());
        Map<String, Object> summary = Json.parse(run.lastLine());
        assertEquals(8, ((Number) summary.get("steps")).intValue());
        assertEquals(rows, ((Number) summary.get("train_rows")).longValue(), "every row cached");
        assertEquals(2, ((Number) summary.get("partitions")).intValue(), "Spark's default parallelism in local[2]");
        double loss = ((Number) summary.get("train_loss")).doubleValue();
        assertTrue(loss < Math.log(4), "learned something: train loss " + loss + " below ln 4");
        assertTrue(run.stderr().contains("spilled to disk"), "the cache did not fit in memory:\n" + run.stderr());
    }

    /** Writes REPEATS copies of DISTINCT_ROWS rows (label id % 4, features that tell the label apart). */
    private static long writeData(Path out) {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("LargeDataIT data")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            spark.range(DISTINCT_ROWS).selectExpr("cast(id % 4 as int) as label",
                            "transform(sequence(0, " + (FEATURES - 1) + "), j -> cast(((id * 31 + j * 17) % 97) / 48.5 - 1"
                                    + " + if(id % 4 = j % 4, 1.0, 0.0) as float)) as features")
                    .crossJoin(spark.range(REPEATS).withColumnRenamed("id", "copy"))
                    .select("label", "features")
                    .write().parquet(out.toString());
            return (long) DISTINCT_ROWS * REPEATS;
        } finally {
            spark.stop();
        }
    }
}
