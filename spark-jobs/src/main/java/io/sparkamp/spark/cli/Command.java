package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;

import java.io.PrintStream;
import java.util.List;

/**
 * One {@code amp} command: its name, what it does, the settings it reads (their declarations drive
 * --help and the check for unknown keys) and how it runs. Returns the exit code.
 */
public interface Command {
    /** The name users type, e.g. "train". */
    String name();

    /** One line for the command list. */
    String summary();

    /** The synopsis, e.g. "amp train --config FILE [--key value ...]". */
    String usage();

    /** Every setting the command reads; anything else given is an error. */
    List<Setting<?>> settings();

    /** Runs the command; the last stdout line of a successful run is one JSON object. */
    int run(Settings settings, PrintStream out);

    /** A command from its parts. */
    static Command of(String name, String summary, String usage, List<Setting<?>> settings, Runner runner) {
        return new Command() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public String summary() {
                return summary;
            }

            @Override
            public String usage() {
                return usage;
            }

            @Override
            public List<Setting<?>> settings() {
                return settings;
            }

            @Override
            public int run(Settings settings, PrintStream out) {
                return runner.run(settings, out);
            }
        };
    }

    /** The body of a command. */
    @FunctionalInterface
    interface Runner {
        int run(Settings settings, PrintStream out);
    }
}
