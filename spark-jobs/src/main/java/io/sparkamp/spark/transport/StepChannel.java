package io.sparkamp.spark.transport;

/**
 * How a long-lived task reaches the driver's {@link StepBoard}: over gRPC ({@link StepClient}), or, when
 * the task runs in the driver's own JVM (Spark's local mode), by calling the board directly, with no
 * serialization and no copy of the weights or the partial.
 */
public interface StepChannel extends AutoCloseable {
    /** Sends {@code request} and returns the driver's reply. */
    StepReply exchange(StepRequest request);

    @Override
    void close();

    /**
     * The board of run {@code runToken} when it lives in this JVM (the driver's, in local mode), else a
     * gRPC client of the driver at {@code host:port}.
     */
    static StepChannel open(String host, int port, long runToken, long deadlineMillis) {
        StepBoard local = StepBoards.inThisJvm(runToken);
        return local != null ? new InProcessChannel(local) : new StepClient(host, port, deadlineMillis);
    }
}
