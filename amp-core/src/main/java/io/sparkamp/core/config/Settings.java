package io.sparkamp.core.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Raw {@code key = value} settings with where each came from (a config file line or a flag), and typed
 * getters whose errors name the key, the bad value and its source. Later sources override earlier ones.
 * Unknown keys are an error, so a typo never silently falls back to a default.
 */
public final class Settings {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> sources = new LinkedHashMap<>();

    /** Sets {@code key} (normalised: lower case, '_' and '.' read as '-') from {@code source}. */
    public Settings set(String key, String value, String source) {
        String k = normalise(key);
        values.put(k, value == null ? "" : value.trim());
        sources.put(k, source);
        return this;
    }

    /** Reads a {@code key = value} file ('#' starts a comment); errors name the file and line. */
    public Settings load(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            int hash = line.indexOf('#');
            if (hash >= 0) {
                line = line.substring(0, hash);
            }
            line = line.trim();
            if (line.isEmpty()) {
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(file + ":" + (i + 1) + ": expected 'key = value', got '" + lines.get(i).trim() + "'");
            }
            set(line.substring(0, eq), line.substring(eq + 1), file + ":" + (i + 1));
        }
        return this;
    }

    /** True when {@code key} was set. */
    public boolean has(String key) {
        return values.containsKey(normalise(key));
    }

    /** Every key set, in the order first seen. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(values.keySet());
    }

    /** All settings as key → value (for provenance). */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** Where {@code key} was set, e.g. "conf/quickstart.conf:4" or "--lr". */
    public String sourceOf(String key) {
        return sources.getOrDefault(normalise(key), "default");
    }

    /** Throws naming the first key that is not in {@code known}. */
    public void requireKnown(Set<String> known) {
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new ConfigException("unknown setting '" + key + "' (from " + sources.get(key) + "); known settings: "
                        + new java.util.TreeSet<>(known));
            }
        }
    }

    public String string(String key, String fallback) {
        String k = normalise(key);
        return values.containsKey(k) ? values.get(k) : fallback;
    }

    public int integer(String key, int fallback) {
        String raw = string(key, null);
        if (raw == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw.replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(key, raw, "an integer");
        }
    }

    public long longValue(String key, long fallback) {
        String raw = string(key, null);
        if (raw == null) {
            return fallback;
        }
        try {
            return Long.parseLong(raw.replace("_", ""));
        } catch (NumberFormatException e) {
            throw bad(key, raw, "an integer");
        }
    }

    public float number(String key, float fallback) {
        String raw = string(key, null);
        if (raw == null) {
            return fallback;
        }
        try {
            float v = Float.parseFloat(raw);
            if (!Float.isFinite(v)) {
                throw bad(key, raw, "a finite number");
            }
            return v;
        } catch (NumberFormatException e) {
            throw bad(key, raw, "a number");
        }
    }

    public boolean bool(String key, boolean fallback) {
        String raw = string(key, null);
        if (raw == null) {
            return fallback;
        }
        switch (raw.toLowerCase(Locale.ROOT)) {
            case "true":
            case "yes":
            case "on":
            case "1":
            case "":
                return true;
            case "false":
            case "no":
            case "off":
            case "0":
                return false;
            default:
                throw bad(key, raw, "true or false");
        }
    }

    /** An error about {@code key}'s value that names the key, the value and where it was set. */
    public ConfigException bad(String key, String value, String expected) {
        return new ConfigException(normalise(key) + " (from " + sourceOf(key) + "): expected " + expected + ", got '" + value + "'");
    }

    static String normalise(String key) {
        String k = key.trim().toLowerCase(Locale.ROOT).replace('_', '-').replace('.', '-');
        return k.startsWith("--") ? k.substring(2) : k;
    }
}
