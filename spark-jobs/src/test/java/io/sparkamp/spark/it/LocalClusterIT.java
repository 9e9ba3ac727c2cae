package io.sparkamp.spark.it;

import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.cli.TrainCommand;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Training in {@code local-cluster[2,1,1024]} — two executor JVMs that load the shaded job jar, so task
 * closures, broadcasts, cached batches and results really cross JVMs through Kryo with
 * registrationRequired — gives bit-identical weights to the same run in {@code local[2]}.
 */
class LocalClusterIT {
    @TempDir
    Path work;

    @Test
    void localClusterTrainsBitIdenticallyToLocalMode() {
        Path data = work.resolve("data");
        SparkSession writer = session("local[2]");
        try {
            SyntheticDataWriter.write(writer, data.toString(), new SyntheticDataWriter.Options(800, 200, 16, 4, 1.0f, 9), false);
        } finally {
            writer.stop();
        }
        Checkpoint cluster = train("local-cluster[2,1,1024]", data, work.resolve("cluster"));
        Checkpoint local = train("local[2]", data, work.resolve("local"));

        assertEquals(local.steps(), cluster.steps());
        assertArrayEquals(bits(local.master()), bits(cluster.master()), "master weights differ between local[2] and local-cluster");
        for (Map.Entry<String, float[]> slot : local.optimizer().slots().entrySet()) {
            assertArrayEquals(bits(slot.getValue()), bits(cluster.optimizer().slots().get(slot.getKey())), "optimizer slot " + slot.getKey());
        }
        assertEquals(local.scaler(), cluster.scaler());
    }

    private Checkpoint train(String master, Path data, Path checkpoints) {
        Settings s = new Settings();
        s.set("data", data.resolve("train").toString(), "test");
        s.set("model", "mlp 16-32-4 relu", "test");
        s.set("precision", "fp16", "test");
        s.set("loss-scale-growth-interval", "4", "test");
        s.set("steps", "24", "test");
        s.set("batch-size", "64", "test");
        s.set("micro-batch-size", "16", "test");
        s.set("partitions", "2", "test");
        s.set("checkpoint-dir", checkpoints.toString(), "test");
        SparkSession spark = session(master);
        try {
            TrainCommand.run(JobConfig.from(s), spark, new PrintStream(new ByteArrayOutputStream()));
            return new CheckpointStore(spark, checkpoints.toString()).loadNewest().orElseThrow();
        } finally {
            spark.stop();
        }
    }

    private static SparkSession session(String master) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("LocalClusterIT")
                .set("spark.ui.enabled", "false")
                .set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1")
                .set("spark.jars", ClusterFixtures.jobJar().toString())
                .set("spark.executor.memory", "768m");
        AmpSparkTestBase.strictKryo(conf);
        return SparkSession.builder().config(conf).getOrCreate();
    }

    private static int[] bits(float[] values) {
        int[] out = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Float.floatToRawIntBits(values[i]);
        }
        return out;
    }
}
