package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.json.Json;

import java.io.PrintStream;
import java.util.Map;

/**
 * {@code amp <command> [--flag value ...]}: the one entry point of bin/amp and spark-submit.
 * Exit code 0 on success, 2 on bad input or config (the message names the file, column, row or key),
 * 1 on a runtime failure. On success the last stdout line is one JSON object. Every failure ends with
 * one {@code amp:} line on stderr; the stack trace of a runtime failure goes to a log file whose path
 * that line names (or to stderr with {@code --verbose}).
 */
public final class AmpCli {
    private AmpCli() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs a command and returns its exit code (tests call this instead of main). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean verbose = CommandLine.wantsVerbose(args);
        try {
            CommandLine line = CommandLine.parse(args);
            if (line.helpWanted()) {
                if (line.command() == null) {
                    out.print(Help.overview());
                } else {
                    Command command = Commands.named(line.command());
                    out.print(line.markdown() ? Help.markdownTable(command.settings()) : Help.command(command));
                }
                return ExitCodes.OK;
            }
            Command command = Commands.named(line.command());
            line.settings().requireKnown(JobSettings.keys(command.settings()));
            return command.run(line.settings(), out);
        } catch (ConfigException e) {
            err.println("amp: error: " + e.getMessage());
            return ExitCodes.BAD_INPUT;
        } catch (Exception | Error e) { // Spark throws checked exceptions (SparkException) without declaring them
            return FailureReport.report(e, verbose, err);
        }
    }

    /** Prints the JSON summary line of a command that returns a map. */
    static void printSummary(PrintStream out, Map<String, ?> summary) {
        out.println(Json.line(summary));
    }
}
