package io.sparkamp.spark.executor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With one Spark job per step, a gradient task that fails on its first attempt (the test hook {@code spark.amp.testing.failTaskAtStep})
 * is retried by Spark ({@code local[2,4]}: up to 4 attempts per task) and the run ends with the same
 * master weights, optimizer state and scaler state, to the bit, as a run where nothing failed.
 */
class TaskRetryTest {
    @TempDir
    static Path work;
    private static Path data;

    @BeforeAll
    static void writeData() {
        data = work.resolve("data");
        SparkSession spark = session("local[2]", Map.of());
        try {
            SyntheticDataWriter.write(spark, data.toString(), new SyntheticDataWriter.Options(300, 50, 16, 4, 1.0f, 5), false);
        } finally {
            spark.stop();
        }
    }

    @Test
    void aTaskThatFailsOnceIsRetriedAndChangesNoBit() throws Exception {
        AtomicInteger undisturbedFailures = new AtomicInteger();
        Checkpoint undisturbed = train("local[2]", Map.of(), "undisturbed", undisturbedFailures);
        AtomicInteger failures = new AtomicInteger();
        Checkpoint retried = train("local[2,4]", Map.of(InjectedFaults.FAIL_TASK_AT_STEP, "5"), "retried", failures);

        assertEquals(0, undisturbedFailures.get());
        assertEquals(2, failures.get(), "both partitions' tasks of step 5 failed once");
        TrainRuns.assertSameState(undisturbed, retried);
    }

    private static Checkpoint train(String master, Map<String, String> conf, String name, AtomicInteger failedTasks)
            throws Exception {
        SparkSession spark = session(master, conf);
        try {
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (!end.taskInfo().successful()) {
                        failedTasks.incrementAndGet();
                    }
                }
            });
            TrainRuns.Run run = TrainRuns.train(spark, TrainRuns.settings("data", data.resolve("train").toString(),
                    "model", "mlp 16-24-4 relu", "precision", "fp16", "steps", "12", "batch-size", "32",
                    "micro-batch-size", "8", "partitions", "2", "log-every", "1000", "transport", "jobs",
                    "checkpoint-dir", work.resolve(name).toString()));
            spark.sparkContext().listenerBus().waitUntilEmpty();
            return TrainRuns.load(spark, run.checkpoint());
        } finally {
            spark.stop();
        }
    }

    private static SparkSession session(String master, Map<String, String> extra) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("TaskRetryTest").set("spark.ui.enabled", "false");
        extra.forEach(conf::set);
        return SparkSession.builder().config(AmpSparkTestBase.strictKryo(conf)).getOrCreate();
    }
}
