package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.checkpoint.Checkpoint;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code amp inspect --checkpoint PATH}: a checkpoint's step, scaler state, model and config as JSON. */
final class InspectCommand {
    private InspectCommand() {
    }

    static int run(Settings s, PrintStream out) {
        SparkSession spark = SparkSessions.create(s.string("master", "local[1]"), "spark-amp inspect");
        try {
            Checkpoint c = CheckpointArgs.load(spark, s);
            Map<String, Object> summary = new LinkedHashMap<>();
            summary.put("command", "inspect");
            summary.put("checkpoint", c.path());
            summary.put("steps", c.steps());
            summary.put("optimizer_steps", c.optimizerSteps());
            summary.put("skipped_steps", c.skippedSteps());
            summary.put("loss_scale", c.scaler().scale());
            summary.put("scaler_growth_tracker", c.scaler().growthTracker());
            summary.put("scaler_hysteresis_left", c.scaler().hysteresisLeft());
            summary.put("scaler_consecutive_skips", c.scaler().consecutiveSkips());
            summary.put("scaler_total_skips", c.scaler().totalSkips());
            summary.put("optimizer", c.optimizer().kind());
            summary.put("parameters", c.master().length);
            summary.put("model", c.model());
            summary.put("config", c.config());
            summary.put("provenance", c.provenance());
            AmpCli.printSummary(out, summary);
            return ExitCodes.OK;
        } finally {
            spark.stop();
        }
    }
}
