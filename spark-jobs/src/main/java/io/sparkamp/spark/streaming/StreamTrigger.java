package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.ConfigException;
import org.apache.spark.sql.streaming.Trigger;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * When a stream's micro-batches run, as users write it: an interval ({@code 30s}, {@code 5m},
 * {@code 500ms}: a micro-batch whenever new data is there, at most one per interval, until stopped),
 * {@code available-now} (everything that is there now, in as many micro-batches as
 * {@code max-files-per-trigger} asks, then stop: incremental batch training) or {@code once} (everything
 * there now in one micro-batch, then stop).
 *
 * @param text      the setting as given
 * @param intervalMs the interval of a processing-time trigger, 0 for the others
 */
public record StreamTrigger(String text, long intervalMs) {
    private static final Pattern INTERVAL = Pattern.compile("(\\d+)\\s*(ms|s|m|h)");
    public static final String AVAILABLE_NOW = "available-now";
    public static final String ONCE = "once";

    /** Parses the {@code trigger} setting; the error names the key and the accepted forms. */
    public static StreamTrigger parse(String value) {
        String v = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        if (v.equals(AVAILABLE_NOW) || v.equals("availablenow")) {
            return new StreamTrigger(AVAILABLE_NOW, 0);
        }
        if (v.equals(ONCE)) {
            return new StreamTrigger(ONCE, 0);
        }
        Matcher m = INTERVAL.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            long ms = switch (m.group(2)) {
                case "ms" -> n;
                case "s" -> n * 1000;
                case "m" -> n * 60_000;
                default -> n * 3_600_000;
            };
            if (ms > 0) {
                return new StreamTrigger(v, ms);
            }
        }
        throw new ConfigException("trigger: expected an interval like 30s, 5m or 500ms, available-now or once, got '"
                + value + "'");
    }

    static boolean isValid(String value) {
        try {
            parse(value);
            return true;
        } catch (ConfigException e) {
            return false;
        }
    }

    /** Whether the query stops by itself once the data present at start is trained on. */
    public boolean finite() {
        return intervalMs == 0;
    }

    /** Spark's trigger. */
    public Trigger toSpark() {
        if (text.equals(AVAILABLE_NOW)) {
            return Trigger.AvailableNow();
        }
        if (text.equals(ONCE)) {
            return Trigger.Once();
        }
        return Trigger.ProcessingTime(intervalMs);
    }
}
