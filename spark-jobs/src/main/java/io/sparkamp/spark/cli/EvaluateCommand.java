package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Settings;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.InputStorage;
import io.sparkamp.spark.data.TrainingTables;
import io.sparkamp.spark.driver.DistributedTrainer;
import io.sparkamp.spark.executor.ExecutorMemory;
import io.sparkamp.spark.report.EvaluationFields;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code amp evaluate --checkpoint PATH --data PATH}: loss and accuracy of a checkpoint's weights on a
 * dataset, in the precision the run trained in (or --precision), printed as JSON.
 */
final class EvaluateCommand {
    private EvaluateCommand() {
    }

    static int run(Settings s, PrintStream out) {
        if (!s.has("data")) {
            throw new io.sparkamp.core.config.ConfigException("missing --data (the dataset to evaluate on)");
        }
        SparkSession spark = SparkSessions.create(s.string("master", null), "spark-amp evaluate");
        try {
            Checkpoint checkpoint = CheckpointArgs.load(spark, s);
            Settings runSettings = new Settings();
            checkpoint.config().forEach((k, v) -> {
                if (TrainConfig.KEYS.contains(k)) {
                    runSettings.set(k, v, checkpoint.path() + " config");
                }
            });
            if (s.has("precision")) {
                runSettings.set("precision", s.string("precision", null), s.sourceOf("precision"));
            }
            TrainConfig config = TrainConfig.from(runSettings);
            TrainingSetup setup = new TrainingSetup(config, 1);
            TrainingState state = setup.restore(checkpoint.state());
            DataSpec spec = JobConfig.dataSpec(s, s.string("data", null));
            // Stored as the run stored its data, so evaluation reads the values training read.
            InputStorage storage = InputStorage.parse(checkpoint.config().getOrDefault("input-storage", "auto"),
                    checkpoint.path() + " config");
            CachedTrainingData data = TrainingTables.loadAndCache(spark, spec, setup.model(), setup.loss(), config.precision(),
                    storage, io.sparkamp.spark.config.JobSettings.PARTITIONS.get(s), "evaluation data", 1,
                    ExecutorMemory.SHARED_ROOT);
            try {
                Evaluation eval = new DistributedTrainer(JavaSparkContext.fromSparkContext(spark.sparkContext()), setup, data)
                        .evaluate(state, data);
                Map<String, Object> summary = new LinkedHashMap<>();
                summary.put("command", "evaluate");
                summary.put("checkpoint", checkpoint.path());
                summary.put("steps", checkpoint.steps());
                summary.put("precision", config.precision().label());
                summary.put("rows", eval.rows());
                EvaluationFields.put(summary, "", eval, setup.loss());
                AmpCli.printSummary(out, summary);
                return ExitCodes.OK;
            } finally {
                data.unpersist();
                ExecutorMemory.releaseDecoded(); // executors in this JVM (local mode)
            }
        } finally {
            spark.stop();
        }
    }
}
