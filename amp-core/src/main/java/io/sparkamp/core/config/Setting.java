package io.sparkamp.core.config;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The one declaration of a setting: its key, what it means, its default and what values it accepts.
 * Everything that reads or shows settings goes through these declarations — {@code --key value} flags,
 * {@code key = value} config files, the Spark ML Params, {@code --help} and the README's settings table —
 * so the surfaces cannot drift apart. Errors name the key, the bad value and where it was set.
 *
 * <p>A setting whose default depends on other settings (e.g. the loss scale on the precision) has no
 * fixed default here; {@link #defaultText()} says how it is derived and the reader supplies it through
 * {@link #get(Settings, Object)}.
 *
 * @param <T> the value type: String, Integer, Long, Float or Boolean
 */
public final class Setting<T> {
    /** The value types a setting can have. */
    public enum Type {
        STRING, INT, LONG, FLOAT, BOOLEAN
    }

    private final String key;
    private final String group;
    private final Type type;
    private final T defaultValue;
    private final String defaultText;
    private final String doc;
    private final List<String> choices;
    private final Predicate<T> valid;
    private final String validText;

    private Setting(String key, String group, Type type, T defaultValue, String defaultText, String doc,
                    List<String> choices, Predicate<T> valid, String validText) {
        this.key = Objects.requireNonNull(key);
        this.group = Objects.requireNonNull(group);
        this.type = type;
        this.defaultValue = defaultValue;
        this.defaultText = defaultText;
        this.doc = doc;
        this.choices = List.copyOf(choices);
        this.valid = valid;
        this.validText = validText;
    }

    /** A text setting. */
    public static Setting<String> text(String key, String group, String defaultValue, String doc) {
        return new Setting<>(key, group, Type.STRING, defaultValue, defaultValue == null ? "—" : defaultValue, doc,
                List.of(), v -> true, "");
    }

    /** A text setting that takes one of {@code choices} (case-insensitive, stored lower case). */
    public static Setting<String> choice(String key, String group, String defaultValue, String doc, String... choices) {
        List<String> allowed = List.of(choices);
        return new Setting<>(key, group, Type.STRING, defaultValue, defaultValue == null ? "—" : defaultValue, doc,
                allowed, v -> allowed.contains(v.toLowerCase(Locale.ROOT)), "one of " + String.join(", ", allowed));
    }

    public static Setting<Integer> integer(String key, String group, Integer defaultValue, String doc) {
        return new Setting<>(key, group, Type.INT, defaultValue, String.valueOf(defaultValue), doc, List.of(), v -> true, "");
    }

    public static Setting<Long> longValue(String key, String group, Long defaultValue, String doc) {
        return new Setting<>(key, group, Type.LONG, defaultValue, String.valueOf(defaultValue), doc, List.of(), v -> true, "");
    }

    public static Setting<Float> number(String key, String group, Float defaultValue, String doc) {
        return new Setting<>(key, group, Type.FLOAT, defaultValue, defaultValue == null ? "—" : trim(defaultValue), doc,
                List.of(), v -> true, "");
    }

    public static Setting<Boolean> flag(String key, String group, boolean defaultValue, String doc) {
        return new Setting<>(key, group, Type.BOOLEAN, defaultValue, String.valueOf(defaultValue), doc, List.of(), v -> true, "");
    }

    /** The same setting, accepting only values for which {@code check} holds; {@code text} says what is accepted. */
    public Setting<T> accepting(Predicate<T> check, String text) {
        return new Setting<>(key, group, type, defaultValue, defaultText, doc, choices, valid.and(check),
                validText.isEmpty() ? text : validText + ", " + text);
    }

    /** The same setting with a default that depends on other settings, described for --help and the README. */
    public Setting<T> derivedDefault(String text) {
        return new Setting<>(key, group, type, null, text, doc, choices, valid, validText);
    }

    /** The same setting with the default shown as {@code text} (e.g. "2^24" instead of 16777216). */
    public Setting<T> shownAs(String text) {
        return new Setting<>(key, group, type, defaultValue, text, doc, choices, valid, validText);
    }

    public String key() {
        return key;
    }

    /** The section of --help and of the README table this setting is listed under. */
    public String group() {
        return group;
    }

    public Type type() {
        return type;
    }

    /** The fixed default, or null when the setting has none (required or derived). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as users read it ("—" for none). */
    public String defaultText() {
        return defaultText;
    }

    public String doc() {
        return doc;
    }

    /** Allowed values of a choice setting, empty otherwise. */
    public List<String> choices() {
        return choices;
    }

    /** What values are accepted, e.g. "> 0"; empty when any value of the type is. */
    public String validText() {
        return validText;
    }

    /** Whether the user set this setting (a flag or a config-file line). */
    public boolean isSet(Settings s) {
        return s.has(key);
    }

    /** The value the user set, or the declared default (null when there is none). */
    public T get(Settings s) {
        return get(s, defaultValue);
    }

    /** The value the user set, or {@code fallback} (for defaults derived from other settings). */
    public T get(Settings s, T fallback) {
        if (!s.has(key)) {
            return fallback;
        }
        String raw = s.string(key, null);
        return check(parse(s, raw), raw, s);
    }

    /** Parses and checks a value given outside a {@link Settings} (e.g. a Spark ML Param); errors name the key. */
    public T parse(String raw) {
        Settings one = new Settings().set(key, raw, key);
        return check(parse(one, raw), raw, one);
    }

    /** Checks a typed value (e.g. set through a Spark ML Param) and returns it; the error names the key. */
    public T validate(T value) {
        if (value == null || !valid.test(value)) {
            throw new ConfigException(key + ": expected " + validText + ", got '" + value + "'");
        }
        return value;
    }

    @SuppressWarnings("unchecked")
    private T parse(Settings s, String raw) {
        switch (type) {
            case INT:
                return (T) Integer.valueOf(s.integer(key, 0));
            case LONG:
                return (T) Long.valueOf(s.longValue(key, 0));
            case FLOAT:
                return (T) Float.valueOf(s.number(key, 0f));
            case BOOLEAN:
                return (T) Boolean.valueOf(s.bool(key, false));
            default:
                return (T) (choices.isEmpty() ? raw : raw.toLowerCase(Locale.ROOT));
        }
    }

    private T check(T value, String raw, Settings s) {
        if (!valid.test(value)) {
            throw s.bad(key, raw, validText);
        }
        return value;
    }

    private static String trim(float v) {
        return v == Math.rint(v) && Math.abs(v) < 1e7 ? Long.toString((long) v) : Float.toString(v);
    }

    @Override
    public String toString() {
        return key;
    }
}
