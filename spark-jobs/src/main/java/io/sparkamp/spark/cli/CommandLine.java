package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Arguments → a command name and {@link Settings}: the config file given by {@code --config} first,
 * then every {@code --key value} (or {@code --key=value}) flag on top of it. {@code --help}, {@code -h}
 * and {@code help [COMMAND]} ask for help instead; {@code --verbose} puts stack traces on stderr.
 * Nothing else happens here.
 *
 * @param command    the command name, or null for the general help
 * @param settings   config file plus flags
 * @param args       the arguments as given
 * @param helpWanted whether help was asked for instead of a run
 * @param markdown   help as a Markdown settings table (what the README shows) instead of text
 */
public record CommandLine(String command, Settings settings, List<String> args, boolean helpWanted, boolean markdown) {

    /** Whether {@code --verbose} is among the arguments (read before parsing, so even a bad line honours it). */
    static boolean wantsVerbose(String[] args) {
        return List.of(args).contains("--verbose");
    }

    public static CommandLine parse(String[] args) {
        List<String> all = List.of(args);
        if (args.length == 0 || isHelp(args[0]) && args.length == 1) {
            return new CommandLine(null, new Settings(), all, true, false);
        }
        if (args[0].equals("help")) {
            return new CommandLine(args.length > 1 ? args[1] : null, new Settings(), all, true, all.contains("--markdown"));
        }
        if (args[0].startsWith("-")) {
            throw new ConfigException("missing command before '" + args[0] + "'; usage: amp COMMAND [--key value ...] (amp --help lists the commands)");
        }
        String command = args[0];
        if (all.stream().skip(1).anyMatch(CommandLine::isHelp)) {
            return new CommandLine(command, new Settings(), all, true, false);
        }
        Settings flags = new Settings();
        String configFile = null;
        for (int i = 1; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--verbose")) {
                continue;
            }
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
                if (Commands.isSwitch(key) && !hasValue) {
                    value = "true";
                } else if (!hasValue) {
                    throw new ConfigException("flag --" + key + " needs a value (amp " + command + " --help lists the settings)");
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
        return new CommandLine(command, settings, all, false, false);
    }

    private static boolean isHelp(String arg) {
        return arg.equals("--help") || arg.equals("-h");
    }
}
