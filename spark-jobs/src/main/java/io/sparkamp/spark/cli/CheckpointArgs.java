package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import org.apache.spark.sql.SparkSession;

/** {@code --checkpoint PATH}: a checkpoint directory (step-NNNNNNNN) or a checkpoint root (its newest complete one). */
public final class CheckpointArgs {
    public static final io.sparkamp.core.config.Setting<String> CHECKPOINT = io.sparkamp.core.config.Setting.text("checkpoint",
            "checkpoint", null, "a checkpoint directory (step-NNNNNNNN) or a run's checkpoint-dir (its newest complete one)");

    private CheckpointArgs() {
    }

    static Checkpoint load(SparkSession spark, Settings s) {
        String path = CHECKPOINT.get(s);
        if (path == null) {
            throw new ConfigException("missing --checkpoint (a checkpoint directory or a --checkpoint-dir of a run)");
        }
        java.nio.file.Path local = java.nio.file.Path.of(path);
        boolean looksLocal = !path.contains("://");
        if (looksLocal && !java.nio.file.Files.exists(local)) {
            throw new ConfigException("--checkpoint: no such directory " + local.toAbsolutePath());
        }
        CheckpointStore store = new CheckpointStore(spark, path);
        if (looksLocal && java.nio.file.Files.exists(local.resolve("MANIFEST.json"))) {
            return store.load(path);
        }
        return store.loadNewest().orElseThrow(() -> new ConfigException("--checkpoint: no complete checkpoint under " + path));
    }
}
