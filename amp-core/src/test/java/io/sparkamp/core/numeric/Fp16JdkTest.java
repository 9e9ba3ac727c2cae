package io.sparkamp.core.numeric;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link Fp16} against the JDK's own binary16 conversions, {@code Float.floatToFloat16} and
 * {@code Float.float16ToFloat} (JDK 20+), found by reflection because the project compiles for 17.
 *
 * <p>On a JDK without them the class is skipped, unless the system property
 * {@value #REQUIRE_PROPERTY} is true (the {@code jdk25} Maven profile sets it): then a missing API fails,
 * so a CI job meant to run this class on a new JDK cannot silently pass by skipping.
 */
class Fp16JdkTest {
    static final String REQUIRE_PROPERTY = "sparkamp.test.requireJdkFloat16";
    private static final int RANDOM_COUNT = 10_000_000;

    private static MethodHandle floatToFloat16;
    private static MethodHandle float16ToFloat;

    @BeforeAll
    static void findJdkConversions() {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        try {
            floatToFloat16 = lookup.findStatic(Float.class, "floatToFloat16", MethodType.methodType(short.class, float.class));
            float16ToFloat = lookup.findStatic(Float.class, "float16ToFloat", MethodType.methodType(float.class, short.class));
        } catch (NoSuchMethodException | IllegalAccessException e) {
            if (Boolean.getBoolean(REQUIRE_PROPERTY)) {
                fail(REQUIRE_PROPERTY + " is set but Java " + Runtime.version() + " at " + System.getProperty("java.home")
                        + " has no Float.floatToFloat16/float16ToFloat", e);
            }
        }
        // Skipped, not failed, on JDK 17; .ci/run runs this class again on Temurin 25 with the property set.
        assumeTrue(floatToFloat16 != null, "Java " + Runtime.version() + " has no Float.floatToFloat16 (needs JDK 20+)");
        System.out.println("Fp16JdkTest on Java " + Runtime.version() + " at " + System.getProperty("java.home"));
    }

    @Test
    void toFloatAgreesWithTheJdkOnEveryCode() throws Throwable {
        for (int code = 0; code <= 0xffff; code++) {
            float ours = Fp16.toFloat((short) code);
            float jdk = (float) float16ToFloat.invokeExact((short) code);
            if (Float.isNaN(jdk)) {
                assertTrue(Float.isNaN(ours), "0x" + Integer.toHexString(code) + " is NaN for the JDK");
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), Float.floatToRawIntBits(ours), "decode of 0x" + Integer.toHexString(code));
            }
        }
    }

    @Test
    void fromFloatAgreesWithTheJdkOnRandomAndHalfwayFloats() throws Throwable {
        SplittableRandom random = new SplittableRandom(0x1d_f16L);
        for (int i = 0; i < RANDOM_COUNT; i++) {
            int bits;
            if ((i & 1) == 0) {
                bits = random.nextInt();
            } else {
                bits = ((random.nextInt(-27, 18) + 127) << 23) | random.nextInt(1 << 23) | (random.nextBoolean() ? 0x8000_0000 : 0);
            }
            compare(Float.intBitsToFloat(bits));
        }
        for (int code = 0; code < Binary16Reference.FP16.infinityCode(); code++) {
            float mid = Binary16Reference.FP16.midpoint(code);
            for (int step = -1; step <= 1; step++) {
                float x = Fp16Test.stepMagnitude(mid, step);
                compare(x);
                compare(-x);
            }
        }
        float[] edges = {65504f, 65519.996f, 65520f, 0x1p-24f, 0x1p-25f, Math.nextUp(0x1p-25f), 0f, -0f,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE, Float.MAX_VALUE};
        for (float x : edges) {
            compare(x);
        }
    }

    private static void compare(float x) throws Throwable {
        short ours = Fp16.fromFloat(x);
        short jdk = (short) floatToFloat16.invokeExact(x);
        if (Float.isNaN(x)) {
            // The JDK folds low payload bits into the half; both must be NaN with the same sign.
            if (!Fp16.isNonFinite(ours) || (ours & 0x3ff) == 0 || (ours < 0) != (jdk < 0)) {
                fail("NaN 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + ": ours 0x" + Integer.toHexString(ours & 0xffff)
                        + " jdk 0x" + Integer.toHexString(jdk & 0xffff));
            }
        } else if (ours != jdk) {
            fail("fromFloat(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + "): jdk 0x"
                    + Integer.toHexString(jdk & 0xffff) + " ours 0x" + Integer.toHexString(ours & 0xffff));
        }
    }
}
