package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Arguments → a command name and {@link Settings}: the config file given by {@code --config} first,
 * then every {@code --key value} (or {@code --key=value}) flag on top of it. Nothing else happens here.
 */
public record CommandLine(String command, Settings settings, java.util.List<String> args) {
    /** Flags that take no value. */
    private static final List<String> SWITCHES = List.of("resume", "nesterov", "schedule-on-skip", "overwrite", "skip-mllib",
            "inference-only", "skip-inference");

    public static CommandLine parse(String[] args) {
        if (args.length == 0 || args[0].startsWith("-")) {
            throw new ConfigException("missing command; usage: amp <quickstart|train|evaluate|inspect|bench|generate|convert-fashion-mnist> [--flag value ...]");
        }
        String command = args[0];
        Settings flags = new Settings();
        String configFile = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (!arg.startsWith("--") || arg.length() == 2) {
                throw new ConfigException("unexpected argument '" + arg + "' (flags look like --lr 0.01)");
            }
            String key;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                key = arg.substring(2, eq);
                value = arg.substring(eq + 1);
            } else {
                key = arg.substring(2);
                boolean hasValue = i + 1 < args.length && !args[i + 1].startsWith("--");
                if (SWITCHES.contains(key) && !hasValue) {
                    value = "true";
                } else if (!hasValue) {
                    throw new ConfigException("flag --" + key + " needs a value");
                } else {
                    value = args[++i];
                }
            }
            if (key.equals("config")) {
                configFile = value;
            } else {
                flags.set(key, value, "--" + key);
            }
        }
        Settings settings = new Settings();
        if (configFile != null) {
            Path path = Path.of(configFile);
            if (!Files.isRegularFile(path)) {
                throw new ConfigException("--config: no such file " + path.toAbsolutePath());
            }
            settings.load(path);
        }
        for (String key : flags.keys()) {
            settings.set(key, flags.string(key, ""), flags.sourceOf(key));
        }
        return new CommandLine(command, settings, List.of(args));
    }
}
