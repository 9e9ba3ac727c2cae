package io.sparkamp.core.numeric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VmOptionsTest {
    @Test
    void advisesOnlyBelowTheRecommendedInlineSmallCode() {
        String advice = VmOptions.inlineSmallCodeAdvice("2500");
        assertNotNull(advice);
        assertTrue(advice.contains("-XX:InlineSmallCode=2500") && advice.contains("-XX:InlineSmallCode=6000"), advice);
        assertNull(VmOptions.inlineSmallCodeAdvice("6000"));
        assertNull(VmOptions.inlineSmallCodeAdvice("8000"));
        assertNull(VmOptions.inlineSmallCodeAdvice("n/a"), "a JVM without the flag gets no advice");
    }

    @Test
    void readsTheRunningJvmsFlags() {
        assertTrue(Long.parseLong(VmOptions.value("InlineSmallCode")) > 0, "HotSpot has the flag");
        assertEquals("n/a", VmOptions.value("NoSuchFlagAnywhere"));
    }
}
