package io.sparkamp.spark.bench;

import io.sparkamp.core.config.Setting;

import java.util.List;

/** The step-transport benchmark's settings (part of amp bench's). */
final class TransportBenchSettings {
    private TransportBenchSettings() {
    }

    static final Setting<Boolean> ONLY = Setting.flag("transport-only", "transport bench", false,
            "run only the step-transport benchmark (no accuracy runs)");
    static final Setting<Boolean> SKIP = Setting.flag("skip-transport", "transport bench", false,
            "leave out the step-transport benchmark");
    static final Setting<String> BATCHES = Setting.text("transport-batches", "transport bench", "256,1024,4096",
            "global batch sizes compared, comma-separated");
    static final Setting<Long> STEPS = Setting.longValue("transport-steps", "transport bench", 150L,
            "steps per run; the first transport-warmup steps are not timed").accepting(v -> v > 0, "> 0");
    static final Setting<Long> WARMUP = Setting.longValue("transport-warmup", "transport bench", 30L,
            "untimed first steps of each run (JIT compilation, first decode, stage launch)").accepting(v -> v >= 0, ">= 0");
    static final Setting<String> PARTITIONS = Setting.text("transport-partitions", "transport bench", "2,8,32",
            "partition counts of the partials-per-step runs (local[P] each, global batch 4096)");
    static final Setting<String> CLUSTER = Setting.text("transport-cluster", "transport bench", null,
            "a master whose executors are JVMs of their own (e.g. local-cluster[2,1,1536]) where both transports also run at "
                    + "global batches 256 and 4096, partials over gRPC; needs SPARK_HOME and the job jar in spark.jars "
                    + "(AMP_JAVA_OPTS=-Dspark.jars=...)");
    static final List<Setting<?>> SETTINGS = List.of(ONLY, SKIP, BATCHES, STEPS, WARMUP, PARTITIONS, CLUSTER);
}
