package io.sparkamp.spark.streaming;

/**
 * A test hook that makes a micro-batch fail at a chosen point, to check that a restart gives the same
 * model as a run that never stopped. Inert unless a test arms it (in-process: {@link #arm}; in a child
 * JVM: the system property {@value #HALT_PROPERTY} = {@code POINT:BATCH_ID}, which halts the JVM there
 * as a kill would). Never set in production code.
 */
public final class StreamFaults {
    /** Where a micro-batch can be made to fail. */
    public enum Point {
        /** After the micro-batch's first optimizer step, before its model commit. */
        MID_BATCH,
        /** After the model commit, before foreachBatch returns and Spark commits the micro-batch. */
        AFTER_MODEL_COMMIT
    }

    /** System property that halts the JVM at {@code POINT:BATCH_ID} (e.g. {@code AFTER_MODEL_COMMIT:2}). */
    public static final String HALT_PROPERTY = "amp.test.stream.halt";

    private static volatile Point armedPoint;
    private static volatile long armedBatch = -1;

    private StreamFaults() {
    }

    /** Makes micro-batch {@code batchId} throw {@link InjectedFault} at {@code point}, once. */
    public static void arm(Point point, long batchId) {
        armedBatch = batchId;
        armedPoint = point;
    }

    public static void disarm() {
        armedPoint = null;
        armedBatch = -1;
    }

    /** Called by the trainer at each point; does nothing unless armed for this point and micro-batch. */
    static void at(Point point, long batchId) {
        String halt = System.getProperty(HALT_PROPERTY);
        if (halt != null && halt.equals(point.name() + ":" + batchId)) {
            Runtime.getRuntime().halt(137);
        }
        if (armedPoint == point && armedBatch == batchId) {
            disarm();
            throw new InjectedFault("injected fault at " + point + " of micro-batch " + batchId);
        }
    }

    /** The failure the hook throws. */
    public static final class InjectedFault extends RuntimeException {
        InjectedFault(String message) {
            super(message);
        }
    }
}
