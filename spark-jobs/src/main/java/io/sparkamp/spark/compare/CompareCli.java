package io.sparkamp.spark.compare;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.cli.Command;

import java.io.PrintStream;
import java.util.List;

/** {@code amp compare} as a command; found by the CLI through {@link java.util.ServiceLoader}. */
public final class CompareCli implements Command {
    @Override
    public String name() {
        return "compare";
    }

    @Override
    public String summary() {
        return "train one config in fp32, fp16, bf16 and fp16 without loss scaling; curves and verdicts in report.html";
    }

    @Override
    public String usage() {
        return "amp compare --config FILE [--precisions fp32,fp16,bf16,fp16-noscale] [--out DIR] [--key value ...]";
    }

    @Override
    public List<Setting<?>> settings() {
        return CompareSettings.ALL;
    }

    @Override
    public int run(Settings settings, PrintStream out) {
        return CompareCommand.run(settings, commandLine(settings), out);
    }

    /** The command as the user gave it: the config file (from where its lines came) and the flags. */
    static String commandLine(Settings s) {
        StringBuilder line = new StringBuilder("bin/amp compare");
        String config = null;
        for (String key : s.keys()) {
            String source = s.sourceOf(key);
            if (!source.startsWith("--") && source.lastIndexOf(':') > 0 && config == null) {
                config = source.substring(0, source.lastIndexOf(':'));
                line.append(" --config ").append(config);
            }
        }
        for (String key : s.keys()) {
            if (s.sourceOf(key).startsWith("--")) {
                String value = s.string(key, "");
                line.append(" --").append(key).append(' ').append(value.contains(" ") ? "'" + value + "'" : value);
            }
        }
        return line.toString();
    }
}
