package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code amp <command> [--flag value ...]}: the one entry point of bin/amp and spark-submit.
 * Exit code 0 on success, 2 on bad input or config (the message names the file, column, row or key),
 * 1 on a runtime failure. On success the last stdout line is one JSON object.
 */
public final class AmpCli {
    private AmpCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (tests call this instead of main). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        try {
            CommandLine line = CommandLine.parse(args);
            return dispatch(line, out);
        } catch (ConfigException e) {
            err.println("amp: error: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        } catch (RuntimeException e) {
            Throwable cause = rootConfigError(e);
            if (cause != null) {
                err.println("amp: error: " + cause.getMessage());
                return ExitCodes.BAD_INPUT;
            }
            err.println("amp: failed: " + e);
            e.printStackTrace(err);
            return ExitCodes.RUNTIME_FAILURE;
        }
    }

    private static int dispatch(CommandLine line, PrintStream out) {
        Settings s = line.settings();
        switch (line.command()) {
            case "train": {
                JobConfig job = JobConfig.from(s);
                SparkSession spark = SparkSessions.create(job.master(), "spark-amp train");
                try {
                    TrainCommand.run(job, spark, out);
                } finally {
                    spark.stop();
                }
                return ExitCodes.OK;
            }
            case "quickstart":
                return QuickstartCommand.run(s, out);
            case "evaluate":
                return EvaluateCommand.run(s, out);
            case "bench":
                return io.sparkamp.spark.bench.BenchCommand.run(s, "bin/amp " + String.join(" ", line.args()), out);
            case "compare": return io.sparkamp.spark.compare.CompareCommand.run(s, "bin/amp " + String.join(" ", line.args()), out);
            case "inspect":
                return InspectCommand.run(s, out);
            case "generate":
                return DataCommands.generate(s, out);
            case "convert-fashion-mnist":
                return DataCommands.convertFashionMnist(s, out);
            default:
                throw new ConfigException("unknown command '" + line.command()
                        + "' (expected quickstart, train, evaluate, inspect, bench, generate or convert-fashion-mnist)");
        }
    }

    /** A config error wrapped by Spark (e.g. thrown inside a task) still exits 2. */
    private static Throwable rootConfigError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConfigException) {
                return t;
            }
        }
        return null;
    }

    /** Prints the JSON summary line of a command that returns a map. */
    static void printSummary(PrintStream out, Map<String, ?> summary) {
        out.println(io.sparkamp.spark.report.Json.line(summary));
    }
}
