package io.sparkamp.spark;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * For test classes that run {@code amp} commands, which make their own SparkSessions: the system property
 * {@code spark.ui.enabled=false} (read by every SparkConf) for the class's tests, the previous value back
 * afterwards. No UI server per session, and no port taken.
 */
public final class SparkUiOff implements BeforeAllCallback, AfterAllCallback {
    private static final String KEY = "spark.ui.enabled";
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SparkUiOff.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        String previous = System.setProperty(KEY, "false");
        context.getStore(NS).put(KEY, previous == null ? "" : previous);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String previous = context.getStore(NS).remove(KEY, String.class);
        if (previous == null || previous.isEmpty()) {
            System.clearProperty(KEY);
        } else {
            System.setProperty(KEY, previous);
        }
    }
}
