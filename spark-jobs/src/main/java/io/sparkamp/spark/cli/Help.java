package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Setting;
import io.sparkamp.core.config.Settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@code amp --help}, {@code amp help COMMAND} and {@code amp COMMAND --help} print, and the README's
 * settings table: all rendered from the command and setting declarations, so they cannot drift.
 */
public final class Help {
    private Help() {
    }

    /** The command list. */
    public static String overview() {
        StringBuilder b = new StringBuilder();
        b.append("usage: amp COMMAND [--config FILE] [--key value ...]\n\n");
        b.append("Mixed-precision (FP16/BF16) neural-network training on Apache Spark.\n\ncommands:\n");
        for (Command c : Commands.all()) {
            b.append(String.format("  %-22s %s%n", c.name(), c.summary()));
        }
        b.append("\n`amp help COMMAND` or `amp COMMAND --help` lists a command's settings with their defaults.\n");
        b.append("Every setting is a `--key value` flag or a `key = value` line of a --config file; flags win.\n");
        b.append("Exit codes: 0 success (last stdout line is JSON), 2 bad input or config, 1 runtime failure.\n");
        return b.toString();
    }

    /** One command's usage and every setting it reads, grouped, with default and meaning. */
    public static String command(Command command) {
        StringBuilder b = new StringBuilder();
        b.append("usage: ").append(command.usage()).append("\n\n").append(command.summary()).append("\n");
        for (Map.Entry<String, List<Setting<?>>> group : byGroup(command.settings()).entrySet()) {
            b.append("\n").append(group.getKey()).append(":\n");
            for (Setting<?> s : group.getValue()) {
                String flag = "--" + s.key() + (s.type() == Setting.Type.BOOLEAN ? "" : " " + placeholder(s));
                b.append(String.format("  %-34s %s (default: %s)%n", flag, s.doc(), s.defaultText()));
            }
        }
        return b.toString();
    }

    /** The Markdown settings table of the README: | key | default | meaning |, grouped. */
    public static String markdownTable(List<Setting<?>> settings) {
        StringBuilder b = new StringBuilder("| Key | Default | Meaning |\n|---|---|---|\n");
        for (List<Setting<?>> group : byGroup(settings).values()) {
            for (Setting<?> s : group) {
                String accepts = s.validText().isEmpty() ? "" : " (" + s.validText() + ")";
                b.append("| `").append(s.key()).append("` | ").append(s.defaultText().replace("|", "\\|")).append(" | ")
                        .append(s.doc().replace("|", "\\|")).append(accepts.replace("|", "\\|")).append(" |\n");
            }
        }
        return b.toString();
    }

    /** The settings as flags, e.g. " --precisions fp16 --skip-mllib true" (for reports of what was run). */
    static String asFlags(Settings s) {
        StringBuilder b = new StringBuilder();
        for (String key : s.keys()) {
            b.append(" --").append(key).append(' ').append(s.string(key, ""));
        }
        return b.toString();
    }

    private static Map<String, List<Setting<?>>> byGroup(List<Setting<?>> settings) {
        Map<String, List<Setting<?>>> groups = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            groups.computeIfAbsent(s.group(), g -> new java.util.ArrayList<>()).add(s);
        }
        return groups;
    }

    private static String placeholder(Setting<?> s) {
        if (!s.choices().isEmpty()) {
            return String.join("|", s.choices());
        }
        switch (s.type()) {
            case INT:
            case LONG:
                return "N";
            case FLOAT:
                return "X";
            default:
                return "VALUE";
        }
    }
}
