package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.core.train.RunState;
import org.apache.spark.sql.SparkSession;

import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Times saving and loading a checkpoint of a model's run state (master weights and Adam's two slots, random
 * values) in {@code local[2]}, four times in one JVM: the first of each is what a command that saves or loads
 * once pays. Not a test; BENCHMARKS.md ("Checkpoints") gives the command and the results.
 *
 * <pre>java -Xmx6g --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED \
 *     --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED \
 *     --add-opens=java.base/java.lang.invoke=ALL-UNNAMED \
 *     -cp spark-jobs/target/test-classes:spark-jobs/target/spark-jobs-0.1.0-SNAPSHOT.jar:\
 *     amp-core/target/amp-core-0.1.0-SNAPSHOT.jar:$(cat spark-jobs/target/runtime-classpath.txt) \
 *     io.sparkamp.spark.checkpoint.CheckpointTiming 'mlp 784-4096-2048-10 relu' /tmp/checkpoint-timing</pre>
 */
public final class CheckpointTiming {
    private CheckpointTiming() {
    }

    public static void main(String[] args) {
        String model = args[0];
        String directory = args[1];
        int size = ModelSpec.parse(model).layout().totalSize();
        SplittableRandom random = new SplittableRandom(1);
        float[][] arrays = new float[3][size];
        for (float[] array : arrays) {
            for (int i = 0; i < size; i++) {
                array[i] = (float) random.nextGaussian();
            }
        }
        SparkSession spark = SparkSession.builder().master("local[2]").appName("checkpoint-timing")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            CheckpointStore store = new CheckpointStore(spark, directory);
            for (int step = 1; step <= 4; step++) {
                RunState state = new RunState(step, step, 0, arrays[0],
                        new OptimizerState("adam", step, Map.of("m", arrays[1], "v", arrays[2])),
                        new ScalerState(1f, 0, 1, 0, 0), model, Map.of(), Map.of(), Map.of());
                long start = System.nanoTime();
                String path = store.save(state, "timing");
                long saved = System.nanoTime();
                RunState loaded = store.load(path).state();
                long done = System.nanoTime();
                if (!Arrays.equals(loaded.master(), arrays[0]) || !Arrays.equals(loaded.optimizer().slots().get("v"), arrays[2])) {
                    throw new IllegalStateException("the checkpoint at " + path + " did not load as it was saved");
                }
                System.out.printf("parameters %d, checkpoint %d: save %.0f ms, load %.0f ms%n", size, step,
                        (saved - start) / 1e6, (done - saved) / 1e6);
            }
        } finally {
            spark.stop();
        }
    }
}
