package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.spark.data.DataSpec;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The settings of a training job: the engine's {@link TrainConfig} plus where data and checkpoints
 * live and how the job runs. Validated here once; errors name the key.
 *
 * @param train           engine settings
 * @param data            training data
 * @param testData        test data, or null
 * @param checkpointDir   directory of checkpoints, or null for none
 * @param checkpointEvery steps between checkpoints (0 = only at the end)
 * @param resume          continue from the newest complete checkpoint in checkpointDir
 * @param master          Spark master from --master, or null to take spark-submit's (local[*] otherwise)
 * @param metricsPath     file for one JSON line per step, or null
 * @param partitions      partitions of the cached training data (0 = Spark's default parallelism)
 * @param logEvery        steps between console progress lines
 * @param evalEvery       steps between test-set evaluations during training (0 = only at the end)
 * @param targetAccuracy  stop as soon as an evaluation reaches this test accuracy (0 = never)
 * @param replicate       repeat every training row this many times (benchmarks; 1 = as read)
 * @param settings        the raw settings, for checkpoints and provenance
 */
public record JobConfig(TrainConfig train, DataSpec data, DataSpec testData, String checkpointDir, long checkpointEvery,
                        boolean resume, String master, String metricsPath, int partitions, int logEvery, long evalEvery,
                        double targetAccuracy, int replicate, Settings settings) {

    /** Keys a training job reads besides the engine's. */
    public static final Set<String> JOB_KEYS = Set.of("data", "test-data", "format", "label-col", "features-col", "feature-cols",
            "csv-header", "checkpoint-dir", "checkpoint-every", "resume", "overwrite", "allow-changed", "master", "metrics", "partitions", "log-every",
            "eval-every", "target-accuracy", "replicate");

    public JobConfig {
        if (checkpointEvery < 0) {
            throw new ConfigException("checkpoint-every must be >= 0, got " + checkpointEvery);
        }
        if (resume && checkpointDir == null) {
            throw new ConfigException("--resume needs --checkpoint-dir");
        }
        if (partitions < 0) {
            throw new ConfigException("partitions must be >= 0, got " + partitions);
        }
        if (logEvery <= 0) {
            throw new ConfigException("log-every must be positive, got " + logEvery);
        }
        if (evalEvery < 0) {
            throw new ConfigException("eval-every must be >= 0, got " + evalEvery);
        }
        if (!(targetAccuracy >= 0 && targetAccuracy <= 1)) {
            throw new ConfigException("target-accuracy must be in [0, 1], got " + targetAccuracy);
        }
        if (replicate < 1) {
            throw new ConfigException("replicate must be >= 1, got " + replicate);
        }
        if (targetAccuracy > 0 && (testData == null || evalEvery == 0)) {
            throw new ConfigException("target-accuracy needs --test-data and --eval-every > 0");
        }
    }

    /** Reads and validates every key of a training job; unknown keys are errors. */
    public static JobConfig from(Settings s) {
        Set<String> known = new HashSet<>(TrainConfig.KEYS);
        known.addAll(JOB_KEYS);
        s.requireKnown(known);
        if (!s.has("data")) {
            throw new ConfigException("missing --data (the training data path; see README)");
        }
        TrainConfig train = TrainConfig.from(s);
        DataSpec data = dataSpec(s, s.string("data", null));
        DataSpec test = s.has("test-data") ? dataSpec(s, s.string("test-data", null)) : null;
        return new JobConfig(train, data, test,
                s.string("checkpoint-dir", null),
                s.longValue("checkpoint-every", 0),
                s.bool("resume", false),
                s.string("master", null),
                s.string("metrics", null),
                s.integer("partitions", 0),
                s.integer("log-every", 50),
                s.longValue("eval-every", 0),
                s.number("target-accuracy", 0f),
                s.integer("replicate", 1),
                s);
    }

    static DataSpec dataSpec(Settings s, String path) {
        String cols = s.string("feature-cols", null);
        List<String> featureCols = cols == null || cols.isBlank() ? List.of()
                : Arrays.stream(cols.split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList();
        return new DataSpec(path, DataSpec.Format.parse(s.string("format", "parquet")), s.string("label-col", "label"),
                s.string("features-col", "features"), featureCols, s.bool("csv-header", true));
    }
}
