package io.sparkamp.spark.transport;

import io.grpc.MethodDescriptor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The one RPC of the barrier transport, described for gRPC: a task sends a {@link StepRequest} and gets a
 * {@link StepReply}. Messages are the project's own little-endian layouts (raw FP32 gradients, 16-bit
 * weight codes), so no schema compiler is involved; gRPC brings the connection handling, flow control,
 * message framing, deadlines and cancellation.
 */
final class StepExchange {
    static final String SERVICE = "sparkamp.StepExchange";

    static final MethodDescriptor<StepRequest, StepReply> EXCHANGE = MethodDescriptor.<StepRequest, StepReply>newBuilder()
            .setType(MethodDescriptor.MethodType.UNARY)
            .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, "Exchange"))
            .setRequestMarshaller(new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(StepRequest value) {
                    return new MessageStream(value.encode());
                }

                @Override
                public StepRequest parse(InputStream stream) {
                    try (stream) {
                        return StepRequest.decode(stream);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot read a step request", e);
                    }
                }
            })
            .setResponseMarshaller(new MethodDescriptor.Marshaller<>() {
                @Override
                public InputStream stream(StepReply value) {
                    return value.stream();
                }

                @Override
                public StepReply parse(InputStream stream) {
                    return StepReply.decode(readAll(stream));
                }
            })
            .build();

    /** Messages may carry a whole model's gradients: no limit below what one Java array can hold. */
    static final int MAX_MESSAGE_BYTES = Integer.MAX_VALUE;

    /**
     * HTTP/2 flow-control window per stream: large enough that a whole partial or weight message is sent
     * without waiting for window updates (gRPC's 1 MiB default cost a round trip per MiB).
     */
    static final int FLOW_CONTROL_WINDOW_BYTES = 64 << 20;

    private StepExchange() {
    }

    private static byte[] readAll(InputStream stream) {
        try (stream) {
            return MessageStream.readFully(stream);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read a step message", e);
        }
    }
}
