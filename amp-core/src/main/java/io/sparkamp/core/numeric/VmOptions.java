package io.sparkamp.core.numeric;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;

/** The running JVM's HotSpot flags, for the choices and advice that depend on them. */
public final class VmOptions {
    /** Where C2 keeps inlining the Vector API templates it also compiled on their own (docs/vector-code.md). */
    public static final int RECOMMENDED_INLINE_SMALL_CODE = 6000;

    private VmOptions() {
    }

    /** A HotSpot flag's value, or "n/a" on a JVM without it. */
    public static String value(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) {
            return "n/a";
        }
    }

    /**
     * Advice for a JVM whose {@code -XX:InlineSmallCode} is below the recommended value, or null (the value is
     * high enough, or this JVM has no such flag).
     */
    public static String inlineSmallCodeAdvice(String inlineSmallCode) {
        long value;
        try {
            value = Long.parseLong(inlineSmallCode.trim());
        } catch (NumberFormatException e) {
            return null;
        }
        if (value >= RECOMMENDED_INLINE_SMALL_CODE) {
            return null;
        }
        return "this JVM runs with -XX:InlineSmallCode=" + value + ": C2 can stop inlining the Vector API into the "
                + "vector loops, which then run 5-15x slower in some JVMs; start it with -XX:InlineSmallCode="
                + RECOMMENDED_INLINE_SMALL_CODE + " (spark.driver/executor.extraJavaOptions), as bin/amp and "
                + "conf/spark-defaults.conf do (docs/vector-code.md)";
    }
}
