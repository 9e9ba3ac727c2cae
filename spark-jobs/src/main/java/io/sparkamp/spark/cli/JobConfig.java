package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.InputStorage;

import java.util.Arrays;
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
 * @param inputStorage    the precision the cached features are stored in (auto = the run's, fp32)
 * @param settings        the raw settings, for checkpoints and provenance
 */
public record JobConfig(TrainConfig train, DataSpec data, DataSpec testData, String checkpointDir, long checkpointEvery,
                        boolean resume, String master, String metricsPath, int partitions, int logEvery, long evalEvery,
                        double targetAccuracy, int replicate, InputStorage inputStorage, Settings settings) {

    /** Keys a training job reads besides the engine's (declared in {@link JobSettings}). */
    public static final Set<String> JOB_KEYS = JobSettings.keys(JobSettings.JOB);

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
        if (targetAccuracy > 0 && !io.sparkamp.core.loss.Losses.byName(train.loss()).classifies()) {
            throw new ConfigException("target-accuracy needs a classifying loss (softmax_ce); loss " + train.loss()
                    + " reports test RMSE and R² instead of accuracy");
        }
        if (targetAccuracy > 0 && (testData == null || evalEvery == 0)) {
            throw new ConfigException("target-accuracy needs --test-data and --eval-every > 0");
        }
    }

    /** Reads and validates every key of a training job; unknown keys are errors. */
    public static JobConfig from(Settings s) {
        s.requireKnown(JobSettings.keys(JobSettings.TRAINING));
        if (!JobSettings.DATA.isSet(s)) {
            throw new ConfigException("missing --data (the training data path; see README)");
        }
        TrainConfig train = TrainConfig.from(s);
        DataSpec data = dataSpec(s, JobSettings.DATA.get(s));
        DataSpec test = JobSettings.TEST_DATA.isSet(s) ? dataSpec(s, JobSettings.TEST_DATA.get(s)) : null;
        return new JobConfig(train, data, test,
                JobSettings.CHECKPOINT_DIR.get(s),
                JobSettings.CHECKPOINT_EVERY.get(s),
                JobSettings.RESUME.get(s),
                JobSettings.MASTER.get(s),
                JobSettings.METRICS.get(s),
                JobSettings.PARTITIONS.get(s),
                JobSettings.LOG_EVERY.get(s),
                JobSettings.EVAL_EVERY.get(s),
                JobSettings.TARGET_ACCURACY.get(s),
                JobSettings.REPLICATE.get(s),
                InputStorage.parse(JobSettings.INPUT_STORAGE.get(s), s.sourceOf("input-storage")),
                s);
    }

    /**
     * The data columns as the user set them. The features come from feature-cols when given, else from
     * features-col (default "features"); only both set explicitly is an error (DataSpec names it).
     */
    public static DataSpec dataSpec(Settings s, String path) {
        String cols = JobSettings.FEATURE_COLS.get(s);
        List<String> featureCols = cols == null || cols.isBlank() ? List.of()
                : Arrays.stream(cols.split(",")).map(String::trim).filter(c -> !c.isEmpty()).toList();
        String featuresCol = JobSettings.FEATURES_COL.isSet(s) || featureCols.isEmpty() ? JobSettings.FEATURES_COL.get(s) : null;
        return new DataSpec(path, DataSpec.Format.parse(JobSettings.FORMAT.get(s)), JobSettings.LABEL_COL.get(s),
                featuresCol, featureCols, JobSettings.CSV_HEADER.get(s));
    }
}
