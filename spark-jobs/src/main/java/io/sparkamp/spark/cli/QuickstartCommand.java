package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code amp quickstart}: generates the synthetic quickstart data if it is not there yet, then trains
 * with conf/quickstart.conf (flags override it), all in one Spark session.
 */
final class QuickstartCommand {
    static final String CONFIG = "conf/quickstart.conf";
    static final String DATA = "data/generated/quickstart";

    private QuickstartCommand() {
    }

    static int run(Settings flags, PrintStream out) {
        Settings s = new Settings().load(Path.of(CONFIG));
        for (String key : flags.keys()) {
            s.set(key, flags.string(key, ""), flags.sourceOf(key));
        }
        if (!s.has("resume") && !s.has("overwrite")) { // the demo owns its directory: a rerun replaces the last one, with a log line
            s.set("overwrite", "true", "quickstart");
        }
        JobConfig job = JobConfig.from(s);
        SparkSession spark = SparkSessions.create(job.master(), "spark-amp quickstart");
        try {
            if (!Files.isDirectory(Path.of(DATA, "train")) || !Files.isDirectory(Path.of(DATA, "test"))) {
                SyntheticDataWriter.write(spark, DATA, DataCommands.generatorOptions(new Settings()), false);
            }
            TrainCommand.run(job, spark, out);
            return ExitCodes.OK;
        } finally {
            spark.stop();
        }
    }
}
