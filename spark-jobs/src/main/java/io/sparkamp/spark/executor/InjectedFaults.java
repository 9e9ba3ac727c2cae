package io.sparkamp.spark.executor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;

/**
 * TEST HOOK, not a feature: faults that the fault-tolerance tests inject into gradient tasks. Inert
 * unless a Spark conf key under {@value #PREFIX} is set, which only those tests do:
 *
 * <ul>
 *   <li>{@value #FAIL_TASK_AT_STEP} = N: the first attempt of every gradient task of step N (0-based,
 *       the step being computed) throws; Spark retries it (a per-step task alone; a barrier stage whole).</li>
 *   <li>{@value #HALT_EXECUTOR_AT_STEP} = N with {@value #HALT_MARKER} = a file path: the first executor
 *       (never the driver) whose gradient task reaches step N creates the marker file and halts its JVM
 *       at once, as if killed; the marker makes it happen once per test.</li>
 * </ul>
 */
final class InjectedFaults {
    static final String PREFIX = "spark.amp.testing.";
    static final String FAIL_TASK_AT_STEP = PREFIX + "failTaskAtStep";
    static final String HALT_EXECUTOR_AT_STEP = PREFIX + "haltExecutorAtStep";
    static final String HALT_MARKER = PREFIX + "haltMarker";

    private InjectedFaults() {
    }

    /** Called by a gradient task before it computes {@code step}. */
    static void beforeStep(long step) {
        SparkEnv env = SparkEnv.get();
        if (env == null) {
            return;
        }
        SparkConf conf = env.conf();
        if (conf.getLong(FAIL_TASK_AT_STEP, -1) == step && TaskContext.get().attemptNumber() == 0
                && TaskContext.get().stageAttemptNumber() == 0) {
            throw new IllegalStateException("fault injected by the test hook " + FAIL_TASK_AT_STEP + " at step " + step);
        }
        if (conf.getLong(HALT_EXECUTOR_AT_STEP, -1) == step && !"driver".equals(env.executorId())
                && firstToCreate(Path.of(conf.get(HALT_MARKER)))) {
            Runtime.getRuntime().halt(137);
        }
    }

    private static boolean firstToCreate(Path marker) {
        try {
            Files.createFile(marker);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } catch (IOException e) {
            throw new UncheckedIOException("test hook " + HALT_MARKER + ": cannot create " + marker, e);
        }
    }
}
