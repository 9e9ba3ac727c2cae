package io.sparkamp.core.numeric;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/** The running JVM's HotSpot flags, for the choices and advice that depend on them. */
public final class VmOptions {
    /** Where C2 keeps inlining the Vector API templates it also compiled on their own (docs/vector-code.md). */
    public static final int RECOMMENDED_INLINE_SMALL_CODE = 6000;
    /**
     * Where C2 keeps compiling a type check in a vector loop as a trap rather than as a call (docs/vector-code.md):
     * the JDK's own vector methods carry a few class-check traps each, and a loop that inlines dozens of them passes
     * the default limit of 100.
     */
    public static final int RECOMMENDED_PER_METHOD_TRAP_LIMIT = 10_000;

    /** A flag the vector loops need at a minimum value, and what goes wrong below it. */
    private record Recommended(String flag, long minimum, String below) {
    }

    private static final List<Recommended> RECOMMENDED = List.of(
            new Recommended("InlineSmallCode", RECOMMENDED_INLINE_SMALL_CODE,
                    "C2 can stop inlining the Vector API into the vector loops"),
            new Recommended("PerMethodTrapLimit", RECOMMENDED_PER_METHOD_TRAP_LIMIT,
                    "C2 can compile the type checks in the vector loops as calls"));

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
     * One line of advice per flag the vector loops need whose value ({@code flagValue}, as {@link #value} gives
     * it) is below the recommended one; empty when all are high enough or this JVM has none of them.
     */
    public static List<String> jitAdvice(UnaryOperator<String> flagValue) {
        List<String> advice = new ArrayList<>();
        for (Recommended r : RECOMMENDED) {
            long value;
            try {
                value = Long.parseLong(flagValue.apply(r.flag()).trim());
            } catch (NumberFormatException e) {
                continue;
            }
            if (value < r.minimum()) {
                advice.add("this JVM runs with -XX:" + r.flag() + "=" + value + ": " + r.below() + "; the loops then box "
                        + "their vectors and run 5-15x slower in some JVMs; start it with -XX:" + r.flag() + "="
                        + r.minimum() + " (spark.driver/executor.extraJavaOptions), as bin/amp and "
                        + "conf/spark-defaults.conf do (docs/vector-code.md)");
            }
        }
        return advice;
    }
}
