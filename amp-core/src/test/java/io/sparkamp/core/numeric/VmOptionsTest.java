package io.sparkamp.core.numeric;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class VmOptionsTest {
    @Test
    void advisesOncePerFlagBelowItsRecommendedValue() {
        List<String> advice = VmOptions.jitAdvice(Map.of("InlineSmallCode", "2500", "PerMethodTrapLimit", "100")::get);
        assertEquals(2, advice.size(), advice.toString());
        assertTrue(advice.get(0).contains("-XX:InlineSmallCode=2500") && advice.get(0).contains("-XX:InlineSmallCode=6000"),
                advice.get(0));
        assertTrue(advice.get(1).contains("-XX:PerMethodTrapLimit=100:")
                && advice.get(1).contains("-XX:PerMethodTrapLimit=10000"), advice.get(1));

        assertEquals(List.of(), VmOptions.jitAdvice(Map.of("InlineSmallCode", "6000", "PerMethodTrapLimit", "10000")::get));
        assertEquals(List.of(), VmOptions.jitAdvice(Map.of("InlineSmallCode", "8000", "PerMethodTrapLimit", "20000")::get));
        List<String> one = VmOptions.jitAdvice(Map.of("InlineSmallCode", "8000", "PerMethodTrapLimit", "100")::get);
        assertEquals(1, one.size(), one.toString());
        assertTrue(one.get(0).contains("PerMethodTrapLimit"), one.get(0));
        assertEquals(List.of(), VmOptions.jitAdvice(Map.of("InlineSmallCode", "n/a", "PerMethodTrapLimit", "n/a")::get),
                "a JVM without the flags gets no advice");
    }

    @Test
    void readsTheRunningJvmsFlags() {
        assertTrue(Long.parseLong(VmOptions.value("InlineSmallCode")) > 0, "HotSpot has the flag");
        assertTrue(Long.parseLong(VmOptions.value("PerMethodTrapLimit")) > 0, "HotSpot has the flag");
        assertEquals("n/a", VmOptions.value("NoSuchFlagAnywhere"));
    }

    @Test
    void theTestJvmRunsWithTheRecommendedFlags() {
        assertEquals(List.of(), VmOptions.jitAdvice(VmOptions::value), "the surefire argLine sets both flags");
    }
}
