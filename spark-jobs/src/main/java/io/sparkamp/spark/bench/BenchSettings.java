package io.sparkamp.spark.bench;

import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;

import java.util.List;
import java.util.stream.Stream;

/** The declarations of {@code amp bench}'s settings (its --help and the check for unknown keys read them). */
public final class BenchSettings {
    private BenchSettings() {
    }

    public static final Setting<String> BASE_CONFIG = Setting.text("base-config", "bench", "conf/fashion-mnist.conf",
            "training config every bench run starts from");
    public static final Setting<String> DATA = Setting.text("data", "bench", null,
            "Fashion-MNIST training set").derivedDefault("the base config's");
    public static final Setting<String> TEST_DATA = Setting.text("test-data", "bench", null,
            "Fashion-MNIST test set").derivedDefault("the base config's");
    public static final Setting<String> PRECISIONS = Setting.text("precisions", "bench", "fp32,fp16,bf16",
            "precisions trained side by side, comma-separated");
    public static final Setting<Float> TARGET_ACCURACY = Setting.number("target-accuracy", "bench", 0.85f,
            "test accuracy each precision trains to").accepting(v -> v > 0 && v <= 1, "in (0, 1]");
    public static final Setting<Long> EVAL_EVERY = Setting.longValue("eval-every", "bench", 10L,
            "steps between test evaluations").accepting(v -> v > 0, "> 0");
    public static final Setting<Float> MAX_EPOCHS = Setting.number("max-epochs", "bench", null,
            "epochs at most per precision").derivedDefault("the base config's epochs");
    public static final Setting<Integer> MLLIB_ITERATIONS = Setting.integer("mllib-iterations", "bench", 50,
            "L-BFGS iterations of Spark MLlib's baseline MLP").accepting(v -> v > 0, "> 0");
    public static final Setting<Integer> REPLICATE = Setting.integer("replicate", "bench", 4,
            "data-size scaling: the training set repeated N times").accepting(v -> v >= 1, ">= 1");
    public static final Setting<String> REPLICATE_PRECISION = Setting.choice("replicate-precision", "bench", "bf16",
            "precision of the data-size scaling runs", "fp32", "fp16", "bf16");
    public static final Setting<Long> THROUGHPUT_STEPS = Setting.longValue("throughput-steps", "bench", 120L,
            "steps of each data-size scaling run").accepting(v -> v > 0, "> 0");
    public static final Setting<String> OUT = Setting.text("out", "bench", "BENCHMARKS.md", "report file");
    public static final Setting<Boolean> SKIP_MLLIB = Setting.flag("skip-mllib", "bench", false,
            "leave out Spark MLlib's baseline");
    public static final Setting<String> MASTER = Setting.text("master", "spark", "local[2]", "Spark master");

    /** Every bench setting. */
    public static final List<Setting<?>> ALL = JobSettings.concat(List.of(BASE_CONFIG, DATA, TEST_DATA, PRECISIONS, TARGET_ACCURACY,
            EVAL_EVERY, MAX_EPOCHS, MLLIB_ITERATIONS, REPLICATE, REPLICATE_PRECISION, THROUGHPUT_STEPS, OUT, SKIP_MLLIB, MASTER,
            JobSettings.PARTITIONS, EngineSettings.BATCH_SIZE), InferenceBenchSettings.SETTINGS, TransportBenchSettings.SETTINGS, PytorchPeer.SETTINGS);
}
