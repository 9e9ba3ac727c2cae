package io.sparkamp.spark.bench;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.cli.Command;

import java.io.PrintStream;
import java.util.List;

/** {@code amp bench} as a command; found by the CLI through {@link java.util.ServiceLoader}, like every plug-in command. */
public final class BenchCli implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "the end-to-end benchmark on Fashion-MNIST; writes BENCHMARKS.md";
    }

    @Override
    public String usage() {
        return "amp bench [--key value ...]";
    }

    @Override
    public List<Setting<?>> settings() {
        return BenchSettings.ALL;
    }

    @Override
    public int run(Settings settings, PrintStream out) {
        StringBuilder line = new StringBuilder("bin/amp bench");
        for (String key : settings.keys()) {
            line.append(" --").append(key).append(' ').append(settings.string(key, ""));
        }
        return BenchCommand.run(settings, line.toString(), out);
    }
}
