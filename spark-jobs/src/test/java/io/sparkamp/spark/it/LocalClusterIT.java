package io.sparkamp.spark.it;

import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.cli.TrainCommand;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training in {@code local-cluster[2,1,1024]} — two executor JVMs that load the shaded job jar, so task
 * closures, broadcasts, cached batches and results really cross JVMs through Kryo with
 * registrationRequired — gives bit-identical weights to the same run in {@code local[2]}; and so does a
 * run during which one executor JVM dies at step 10 (halted by the test hook, as by {@code kill -9}):
 * Spark reruns its task elsewhere and rebuilds the cached partition it held from lineage. Both step
 * transports: one Spark job per step (the lost task is retried), and long-lived barrier tasks (the
 * whole barrier stage is relaunched and asks the driver for the step it still waits on).
 */
class LocalClusterIT {
    private static final String CLUSTER = "local-cluster[2,1,1024]";

    @TempDir
    static Path work;
    private static Path data;
    private static Checkpoint reference;

    @BeforeAll
    static void dataAndAnUndisturbedLocalRun() throws Exception {
        data = work.resolve("data");
        SparkSession writer = session("local[2]", Map.of());
        try {
            SyntheticDataWriter.write(writer, data.toString(), new SyntheticDataWriter.Options(800, 200, 16, 4, 1.0f, 9), false);
        } finally {
            writer.stop();
        }
        reference = train("local[2]", "jobs", Map.of(), work.resolve("local"), new AtomicInteger(), new AtomicInteger());
    }

    @ParameterizedTest
    @ValueSource(strings = {"jobs", "barrier"})
    void localClusterTrainsBitIdenticallyToLocalMode(String transport) throws Exception {
        Checkpoint cluster = train(CLUSTER, transport, Map.of(), work.resolve("cluster-" + transport), new AtomicInteger(),
                new AtomicInteger());
        TrainRuns.assertSameState(reference, cluster);
    }

    @ParameterizedTest
    @ValueSource(strings = {"jobs", "barrier"})
    void anExecutorKilledMidTrainingChangesNoBit(String transport) throws Exception {
        Path marker = work.resolve("halted-" + transport);
        AtomicInteger executorsLost = new AtomicInteger();
        AtomicInteger tasksFailed = new AtomicInteger();
        Checkpoint survived = train(CLUSTER, transport, Map.of("spark.amp.testing.haltExecutorAtStep", "10",
                "spark.amp.testing.haltMarker", marker.toString()), work.resolve("halted-run-" + transport), executorsLost,
                tasksFailed);

        assertTrue(Files.exists(marker), "the test hook halted an executor");
        assertTrue(executorsLost.get() >= 1, "Spark saw the executor go");
        assertTrue(tasksFailed.get() >= 1, "its task failed and was rerun");
        TrainRuns.assertSameState(reference, survived);
    }

    private static Checkpoint train(String master, String transport, Map<String, String> conf, Path checkpoints, AtomicInteger executorsLost,
                                    AtomicInteger tasksFailed) throws Exception {
        Settings s = TrainRuns.settings("data", data.resolve("train").toString(), "model", "mlp 16-32-4 relu",
                "precision", "fp16", "loss-scale-growth-interval", "4", "steps", "24", "batch-size", "64",
                "micro-batch-size", "16", "partitions", "2", "transport", transport, "checkpoint-dir", checkpoints.toString());
        SparkSession spark = session(master, conf);
        try {
            spark.sparkContext().addSparkListener(new SparkListener() {
                @Override
                public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                    executorsLost.incrementAndGet();
                }

                @Override
                public void onTaskEnd(SparkListenerTaskEnd end) {
                    if (!end.taskInfo().successful()) {
                        tasksFailed.incrementAndGet();
                    }
                }
            });
            TrainCommand.run(JobConfig.from(s), spark, new PrintStream(new ByteArrayOutputStream()));
            spark.sparkContext().listenerBus().waitUntilEmpty();
            return new CheckpointStore(spark, checkpoints.toString()).loadNewest().orElseThrow();
        } finally {
            spark.stop();
        }
    }

    private static SparkSession session(String master, Map<String, String> extra) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("LocalClusterIT")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.jars", ClusterFixtures.jobJar().toString())
                .set("spark.executor.memory", "768m");
        extra.forEach(conf::set);
        AmpSparkTestBase.strictKryo(conf);
        return SparkSession.builder().config(conf).getOrCreate();
    }
}
