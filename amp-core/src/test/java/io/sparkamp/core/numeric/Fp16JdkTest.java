package io.sparkamp.core.numeric;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link Fp16} against the JDK's own binary16 conversions ({@link JdkFloat16}, JDK 20+): every code,
 * every halfway point and its neighbours, and the edges. Skipped on JDK 17 unless the jdk25 profile
 * demands the API. The random floats against the JDK are in {@link RandomFloatsTest}.
 */
class Fp16JdkTest {
    @BeforeAll
    static void findJdkConversions() {
        JdkFloat16.require();
        System.out.println("Fp16JdkTest on Java " + Runtime.version() + " at " + System.getProperty("java.home"));
    }

    @Test
    void toFloatAgreesWithTheJdkOnEveryCode() {
        for (int code = 0; code <= 0xffff; code++) {
            float ours = Fp16.toFloat((short) code);
            float jdk = JdkFloat16.float16ToFloat((short) code);
            if (Float.isNaN(jdk)) {
                assertTrue(Float.isNaN(ours), "0x" + Integer.toHexString(code) + " is NaN for the JDK");
            } else {
                assertEquals(Float.floatToRawIntBits(jdk), Float.floatToRawIntBits(ours), "decode of 0x" + Integer.toHexString(code));
            }
        }
    }

    @Test
    void fromFloatAgreesWithTheJdkOnHalfwayAndEdgeFloats() {
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

    private static void compare(float x) {
        short ours = Fp16.fromFloat(x);
        short jdk = JdkFloat16.floatToFloat16(x);
        if (!RandomFloatsTest.sameHalf(x, ours, jdk)) {
            fail("fromFloat(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + "): jdk 0x"
                    + Integer.toHexString(jdk & 0xffff) + " ours 0x" + Integer.toHexString(ours & 0xffff));
        }
    }
}
