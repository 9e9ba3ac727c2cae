package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.cli.Command;
import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.json.Json;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * {@code amp stream-train}: train continuously on files landing in a directory (or a Kafka topic), one
 * model commit per micro-batch, exactly once across restarts. Progress lines per micro-batch go to
 * stderr; the last stdout line is the session's JSON summary. Found by the CLI through
 * {@link java.util.ServiceLoader}.
 */
public final class StreamTrainCommand implements Command {
    @Override
    public String name() {
        return "stream-train";
    }

    @Override
    public String summary() {
        return "train continuously on files landing in a directory (or Kafka), exactly once across restarts";
    }

    @Override
    public String usage() {
        return "amp stream-train --config FILE --data DIR --checkpoint-dir DIR [--trigger 30s|available-now|once]"
                + " [--steps-per-batch N] [--key value ...]";
    }

    @Override
    public List<Setting<?>> settings() {
        return StreamingSettings.ALL;
    }

    @Override
    public int run(Settings settings, PrintStream out) {
        StreamConfig config = StreamConfig.from(settings);
        SparkSession spark = SparkSessions.create(config.master(), "spark-amp stream-train");
        try {
            run(config, spark, out);
        } finally {
            spark.stop();
        }
        return 0;
    }

    /** Runs a streaming job on {@code spark} until its trigger ends, max-batches, or a failure; returns the summary printed. */
    public static Map<String, Object> run(StreamConfig config, SparkSession spark, PrintStream out) {
        try (StreamingTrainer trainer = new StreamingTrainer(spark, config, System.err)) {
            Map<String, Object> summary = trainer.awaitCompletion(trainer.start());
            out.println(Json.line(summary));
            return summary;
        }
    }
}
