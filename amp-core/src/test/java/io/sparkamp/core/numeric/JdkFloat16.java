package io.sparkamp.core.numeric;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The JDK's own binary16 conversions, {@code Float.floatToFloat16} and {@code Float.float16ToFloat}
 * (JDK 20+), found by reflection because the project compiles for 17: a second, independent reference.
 *
 * <p>On a JDK without them the tests that need them are skipped, unless the system property
 * {@value #REQUIRE_PROPERTY} is true (the {@code jdk25} Maven profile sets it): then a missing API fails,
 * so a CI job meant to run them on a new JDK cannot silently pass by skipping.
 */
final class JdkFloat16 {
    static final String REQUIRE_PROPERTY = "sparkamp.test.requireJdkFloat16";
    private static final MethodHandle FLOAT_TO_FLOAT16;
    private static final MethodHandle FLOAT16_TO_FLOAT;

    static {
        MethodHandle toHalf = null;
        MethodHandle toFloat = null;
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            toHalf = lookup.findStatic(Float.class, "floatToFloat16", MethodType.methodType(short.class, float.class));
            toFloat = lookup.findStatic(Float.class, "float16ToFloat", MethodType.methodType(float.class, short.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            toHalf = null;
        }
        FLOAT_TO_FLOAT16 = toHalf;
        FLOAT16_TO_FLOAT = toFloat;
    }

    private JdkFloat16() {
    }

    /** Skips the calling test on a JDK without the API, or fails it when the property demands the API. */
    static void require() {
        if (FLOAT_TO_FLOAT16 == null && Boolean.getBoolean(REQUIRE_PROPERTY)) {
            fail(REQUIRE_PROPERTY + " is set but Java " + Runtime.version() + " at " + System.getProperty("java.home")
                    + " has no Float.floatToFloat16/float16ToFloat");
        }
        // Skipped, not failed, on JDK 17; .ci/run runs these tests again on Temurin 25 with the property set.
        assumeTrue(FLOAT_TO_FLOAT16 != null, "Java " + Runtime.version() + " has no Float.floatToFloat16 (needs JDK 20+)");
    }

    static short floatToFloat16(float x) {
        try {
            return (short) FLOAT_TO_FLOAT16.invokeExact(x);
        } catch (Throwable e) {
            throw new AssertionError("Float.floatToFloat16 failed", e);
        }
    }

    static float float16ToFloat(short code) {
        try {
            return (float) FLOAT16_TO_FLOAT.invokeExact(code);
        } catch (Throwable e) {
            throw new AssertionError("Float.float16ToFloat failed", e);
        }
    }
}
