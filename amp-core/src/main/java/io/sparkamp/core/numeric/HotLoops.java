package io.sparkamp.core.numeric;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Keeps the Vector API loops out of their callers' compilations, through a HotSpot Compiler Control
 * directive added at run time (what {@code jcmd PID Compiler.directives_add} does).
 *
 * <p>Why: C2 stops inlining a compilation at a node budget, and a Vector API call it leaves un-inlined
 * runs on boxed vectors through the API's Java fallback, many times slower. A loop of 15-20 vector
 * operations fits the budget on its own, but C2 inlines small static methods into their caller whenever
 * they were not compiled yet, so whether two or three loops ended up in one compilation, over the budget,
 * depended on compile order: the same fp16 training run computed its steps in 27 ms or 38-41 ms from one
 * start to the next. With the directive every listed loop is compiled alone, every run.
 *
 * <p>The directive matches only this project's methods (a JVM's other directives keep applying to
 * everything else) and lists only methods here ({@link #LOOPS}; a test checks each names a method).
 * Where the JVM is not HotSpot or refuses it, the run goes on as before and the log says so.
 */
public final class HotLoops {
    private static final Logger LOG = LoggerFactory.getLogger(HotLoops.class);

    /** Compiler Control patterns, {@code package/Class.method} with a trailing {@code *}. */
    static final List<String> LOOPS = List.of(
            "io/sparkamp/core/ops/VectorElementwise.roundFp16*",
            "io/sparkamp/core/ops/VectorElementwise.roundBf16*",
            "io/sparkamp/core/ops/VectorElementwise.encodeBf16Relu*",
            "io/sparkamp/core/ops/VectorElementwise.epilogueRow*",
            "io/sparkamp/core/ops/VectorElementwise.maskRound*",
            "io/sparkamp/core/ops/VectorElementwise.maskLanes*",
            "io/sparkamp/core/ops/VectorElementwise.maskScaleFloats*",
            "io/sparkamp/core/ops/VectorElementwise.reluWords*",
            "io/sparkamp/core/ops/VectorElementwise.widenCodes*",
            "io/sparkamp/core/ops/VectorElementwise.countLanes*",
            "io/sparkamp/core/ops/VectorElementwise.convertFloats*",
            "io/sparkamp/core/ops/VectorElementwise.sumStrip*",
            "io/sparkamp/core/numeric/VectorCodeConverter.decodeFp16*",
            "io/sparkamp/core/numeric/VectorCodeConverter.decodeBf16*",
            "io/sparkamp/core/numeric/VectorCodeConverter.encodeFp16*",
            "io/sparkamp/core/numeric/VectorCodeConverter.encodeBf16*",
            "io/sparkamp/core/optim/VectorAdamElements.loop*");

    private static Boolean added;

    private HotLoops() {
    }

    /** Adds the directive once per JVM; true when HotSpot took it. */
    public static synchronized boolean compileAlone() {
        if (added == null) {
            added = add();
        }
        return added;
    }

    private static boolean add() {
        String directive = "[{ match: \"io/sparkamp/*.*\", inline: ["
                + LOOPS.stream().map(p -> "\"-" + p + "\"").collect(Collectors.joining(", ")) + "] }]";
        Path file = null;
        try {
            file = Files.createTempFile("spark-amp-compiler-directive", ".json");
            Files.writeString(file, directive);
            Object reply = ManagementFactory.getPlatformMBeanServer().invoke(
                    new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            boolean ok = String.valueOf(reply).contains("added");
            if (ok) {
                LOG.info("JIT: {} Vector API loops compiled on their own (a Compiler Control directive)", LOOPS.size());
            } else {
                LOG.info("JIT: the Compiler Control directive was not taken ({}); loops may be inlined into their callers",
                        String.valueOf(reply).trim());
            }
            return ok;
        } catch (Exception | LinkageError e) {
            LOG.info("JIT: no Compiler Control on this JVM ({}); loops may be inlined into their callers", e.toString());
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (java.io.IOException ignored) {
                    // a temporary file left behind is harmless
                }
            }
        }
    }
}
