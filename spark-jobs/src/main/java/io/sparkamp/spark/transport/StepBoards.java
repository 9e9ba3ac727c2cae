package io.sparkamp.spark.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The step boards of the training runs whose driver is this JVM, by run token (for tasks in local mode). */
public final class StepBoards {
    private static final Map<Long, StepBoard> BOARDS = new ConcurrentHashMap<>();

    private StepBoards() {
    }

    /** Makes {@code board} reachable in this JVM under {@code runToken} until {@link #remove}. */
    public static void register(long runToken, StepBoard board) {
        BOARDS.put(runToken, board);
    }

    public static void remove(long runToken) {
        BOARDS.remove(runToken);
    }

    static StepBoard inThisJvm(long runToken) {
        return BOARDS.get(runToken);
    }
}
