package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every loop the Compiler Control directive keeps alone names methods that exist, and HotSpot takes the directive. */
class HotLoopsTest {
    @Test
    void everyPatternNamesAMethod() throws ClassNotFoundException {
        for (String pattern : HotLoops.LOOPS) {
            int dot = pattern.lastIndexOf('.');
            String className = pattern.substring(0, dot).replace('/', '.');
            String prefix = pattern.substring(dot + 1, pattern.length() - 1);
            assertTrue(pattern.endsWith("*"), pattern + " should end with *");
            // Loading the class needs the incubator module only for the vector classes, which the tests run with.
            Method[] methods = Class.forName(className, false, HotLoopsTest.class.getClassLoader()).getDeclaredMethods();
            assertTrue(Arrays.stream(methods).anyMatch(m -> m.getName().startsWith(prefix)),
                    pattern + " names no method of " + className + " (renamed?)");
        }
    }

    @Test
    void hotSpotTakesTheDirective() {
        assertTrue(HotLoops.compileAlone(), "the Compiler Control directive was refused (see the log)");
    }
}
