package io.sparkamp.spark.transport;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;

import java.util.concurrent.TimeUnit;

/**
 * A task's connection to the driver's step exchange. Each call is bounded by a deadline a little above
 * the driver's poll window, so a task never waits on a driver that has gone away.
 */
public final class StepClient implements StepChannel {
    private final ManagedChannel channel;
    private final long deadlineMillis;

    /**
     * @param deadlineMillis the longest a call may take (the driver answers within its poll window, plus
     *                       the time to move a message)
     */
    public StepClient(String host, int port, long deadlineMillis) {
        this.channel = NettyChannelBuilder.forAddress(host, port)
                .usePlaintext()
                .maxInboundMessageSize(StepExchange.MAX_MESSAGE_BYTES)
                .flowControlWindow(StepExchange.FLOW_CONTROL_WINDOW_BYTES)
                .build();
        this.deadlineMillis = deadlineMillis;
    }

    @Override
    public StepReply exchange(StepRequest request) {
        return ClientCalls.blockingUnaryCall(channel, StepExchange.EXCHANGE,
                CallOptions.DEFAULT.withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS), request);
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
