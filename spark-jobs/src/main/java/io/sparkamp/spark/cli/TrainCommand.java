package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.RunState;
import io.sparkamp.core.train.StepListener;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TargetTracker;
import io.sparkamp.core.train.TrainingRun;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.checkpoint.CheckpointedRun;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.data.TrainingTables;
import io.sparkamp.spark.driver.DistributedTrainer;
import io.sparkamp.spark.driver.StepTransport;
import io.sparkamp.spark.json.Json;
import io.sparkamp.spark.report.EvaluationFields;
import io.sparkamp.spark.report.MetricsReporter;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code amp train}: read and validate the data, cache it as Arrow batches in the run's precision,
 * start from the seed or the newest checkpoint, train, checkpoint, evaluate, and print one JSON summary
 * as the last line of stdout.
 */
public final class TrainCommand {
    private static final Logger LOG = LoggerFactory.getLogger(TrainCommand.class);

    private TrainCommand() {
    }

    /** Runs a training job; returns the summary that was printed. */
    public static Map<String, Object> run(JobConfig job, SparkSession spark, PrintStream out) {
        long wallStart = System.nanoTime();
        ModelSpec model = parseModel(job);
        Loss loss = io.sparkamp.core.loss.Losses.byName(job.train().loss());
        CachedTrainingData train = TrainingTables.loadAndCache(spark, job.data(), model, loss, job.train().precision(),
                job.inputStorage(), job.partitions(), "training data", job.replicate());
        CachedTrainingData test = job.testData() == null ? null
                : TrainingTables.loadAndCache(spark, job.testData(), model, loss, job.train().precision(), job.inputStorage(),
                job.partitions(), "test data", 1);
        try {
            return train(job, spark, train, test, (state, outcome, timing) -> { }, wallStart, out).summary();
        } finally {
            train.unpersist();
            if (test != null) {
                test.unpersist();
            }
            io.sparkamp.spark.executor.ExecutorMemory.releaseDecoded(); // executors in this JVM (local mode)
        }
    }

    /** What a training run ended with: the summary it printed and the run state of its final weights. */
    public record Outcome(Map<String, Object> summary, RunState state) {
    }

    /**
     * Trains on data already cached (the job's, or a DataFrame's for the Spark ML estimator): start from the
     * seed or the newest checkpoint, train with the one training loop and cadence, checkpoint, evaluate, and
     * print the JSON summary. {@code steps} hears every step besides the metrics reporter.
     */
    public static Outcome train(JobConfig job, SparkSession spark, CachedTrainingData train, CachedTrainingData test,
                                StepListener steps, long wallStart, PrintStream out) {
        Loss loss = io.sparkamp.core.loss.Losses.byName(job.train().loss());
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        long totalSteps = TrainingSetup.totalSteps(job.train(), train.rowCount());
        TrainingSetup setup = new TrainingSetup(job.train(), totalSteps);
        LOG.info("{}; GEMM kernel {}; {} steps of {} rows over {} partitions", setup.policy(),
                setup.gemm().kernel().name(), totalSteps, job.train().batchSize(), train.partitionRows().length);
        try (DistributedTrainer trainer = new DistributedTrainer(sc, setup, train, StepTransport.from(job.settings()));
             CheckpointedRun checkpoints = CheckpointedRun.start(spark, job.settings(), setup, train);
             MetricsReporter metrics = new MetricsReporter(job.metricsPath() == null ? null : Path.of(job.metricsPath()),
                System.err, job.logEvery(), totalSteps)) {
            TrainingState state = checkpoints.state();
            TrainingRun run = new TrainingRun(trainer.loop(),
                    new TrainingRun.Cadence(totalSteps, job.checkpointEvery(), job.evalEvery(), job.targetAccuracy()),
                    test == null ? null : s -> trainer.evaluate(s, test),
                    checkpoints.writesCheckpoints() ? checkpoints::save : null);
            StepListener listener = (current, outcome, timing) -> {
                metrics.onStep(current, outcome, timing);
                steps.onStep(current, outcome, timing);
            };
            TrainingRun.Result result = run.run(state, listener, (step, eval) -> {
                metrics.onEvaluation(step, eval, loss);
                System.err.println("step " + step + "  " + EvaluationFields.line("test", eval, loss));
            });
            String lastCheckpoint = result.lastCheckpoint();
            if (checkpoints.writesCheckpoints() && lastCheckpoint == null) { // resumed a finished run: report the checkpoint it ended with
                lastCheckpoint = checkpoints.newestCheckpoint().orElse(null);
            }
            TargetTracker target = result.target();
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("command", "train");
            summary.put("steps", state.steps());
            summary.put("skipped_steps", state.skippedSteps());
            summary.put("loss_scale", state.scaler().scale());
            summary.put("train_loss", metrics.last() == null ? Double.NaN : metrics.last().trainLoss());
            if (loss.classifies()) {
                summary.put("train_accuracy", metrics.last() == null ? Double.NaN : metrics.last().trainAccuracy());
            }
            if (test != null) {
                Evaluation eval = trainer.evaluate(state, test);
                metrics.onEvaluation(state.steps(), eval, loss);
                EvaluationFields.put(summary, "test_", eval, loss);
                summary.put("test_rows", eval.rows());
            }
            if (job.targetAccuracy() > 0) {
                summary.put("target_accuracy", job.targetAccuracy());
                summary.put("reached_target", target.reached());
                summary.put("steps_to_target", target.reached() ? target.step() : null);
                summary.put("seconds_to_target", target.reached() ? target.seconds() : null);
            }
            summary.put("samples_per_second", metrics.samplesPerSecond());
            summary.put("overhead_fraction", metrics.overheadFraction());
            summary.put("broadcast_bytes", metrics.broadcastBytes());
            summary.put("training_seconds", metrics.trainingSeconds());
            summary.put("wall_seconds", (System.nanoTime() - wallStart) / 1e9);
            summary.put("precision", job.train().precision().label());
            summary.put("kernel", setup.gemm().kernel().name());
            summary.put("partitions", train.partitionRows().length);
            summary.put("train_rows", train.rowCount());
            summary.put("cached_bytes_per_value", train.cachedBytesPerValue());
            summary.put("input_storage", train.storage().label());
            summary.put("input_values_flushed_to_zero", train.valuesFlushedToZero());
            summary.put("checkpoint", lastCheckpoint);
            out.println(Json.line(summary));
            return new Outcome(summary, checkpoints.snapshot(state));
        }
    }

    private static ModelSpec parseModel(JobConfig job) {
        try {
            return ModelSpec.parse(job.train().model());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("model (from " + job.settings().sourceOf("model") + "): " + e.getMessage());
        }
    }
}
