package io.sparkamp.spark.transport;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The driver's gRPC endpoint of the barrier transport: serves {@link StepExchange#EXCHANGE} from a
 * {@link StepBoard}, refusing callers that do not present the run's token.
 */
public final class StepServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StepServer.class);

    private final Server server;
    private final String host;

    private StepServer(Server server, String host) {
        this.server = server;
        this.host = host;
    }

    /**
     * Starts serving {@code board} on {@code host:port} (port 0 = any free port).
     *
     * @param host the address tasks reach the driver at (Spark's {@code spark.driver.host}); the server
     *             listens on all interfaces
     */
    public static StepServer start(String host, int port, long runToken, StepBoard board) {
        ServerServiceDefinition service = ServerServiceDefinition.builder(StepExchange.SERVICE)
                .addMethod(StepExchange.EXCHANGE, ServerCalls.asyncUnaryCall((request, reply) -> {
                    if (request.runToken() != runToken) {
                        reply.onError(Status.PERMISSION_DENIED.withDescription("not a task of this training run").asException());
                        return;
                    }
                    try {
                        reply.onNext(board.exchange(request, true));
                        reply.onCompleted();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        reply.onError(Status.CANCELLED.withDescription("driver shutting down").asException());
                    } catch (RuntimeException e) {
                        reply.onError(Status.INVALID_ARGUMENT.withDescription(e.getMessage()).asException());
                    }
                }))
                .build();
        try {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress(port))
                    .maxInboundMessageSize(StepExchange.MAX_MESSAGE_BYTES)
                    .flowControlWindow(StepExchange.FLOW_CONTROL_WINDOW_BYTES)
                    .addService(service)
                    .build()
                    .start();
            LOG.info("barrier transport: step exchange listening on {}:{}", host, server.getPort());
            return new StepServer(server, host);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the step exchange on port " + port + ": " + e.getMessage(), e);
        }
    }

    /** Where tasks connect: host and port. */
    public String host() {
        return host;
    }

    public int port() {
        return server.getPort();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
    }
}
