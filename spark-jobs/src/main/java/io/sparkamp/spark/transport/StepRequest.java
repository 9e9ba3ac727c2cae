package io.sparkamp.spark.transport;

import io.sparkamp.core.train.GradientPartial;

import io.grpc.KnownLength;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * What a long-lived training task sends the driver: who it is, the last step it computed, and that
 * step's partial (absent on the first call of a task and on polls while it waits for the next step).
 *
 * @param runToken  the secret of the training run, so a stray client cannot feed gradients into it
 * @param partition the task's partition index
 * @param attempt   the barrier stage's attempt number (for logs; partials are deterministic, so a partial
 *                  from any attempt is the same)
 * @param lastStep  the step the task computed last, or -1 before its first step
 * @param partial   {@code lastStep}'s partial, or null when this call only asks for work
 */
public record StepRequest(long runToken, int partition, int attempt, long lastStep, GradientPartial partial) {
    private static final int HEADER_BYTES = 8 + 4 + 4 + 8 + 1;

    byte[] encode() {
        int size = HEADER_BYTES + (partial == null ? 0 : partial.encodedBytes());
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        out.putLong(runToken).putInt(partition).putInt(attempt).putLong(lastStep).put((byte) (partial == null ? 0 : 1));
        if (partial != null) {
            partial.writeTo(out);
        }
        return out.array();
    }

    static StepRequest decode(byte[] bytes) {
        try {
            return decode(new MessageStream(bytes));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from an array
        }
    }

    /**
     * Reads a request from gRPC's stream of it. A partial's gradients go from the stream straight into
     * their array, a chunk at a time, when the stream knows its length (gRPC's do), so the driver does not
     * first copy each partial into a byte array of its size.
     */
    static StepRequest decode(InputStream stream) throws IOException {
        if (!(stream instanceof KnownLength)) {
            return decode(MessageStream.readFully(stream));
        }
        long length = stream.available();
        ByteBuffer in = ByteBuffer.wrap(stream.readNBytes(HEADER_BYTES)).order(ByteOrder.LITTLE_ENDIAN);
        if (in.remaining() < HEADER_BYTES) {
            throw new IllegalArgumentException("step request of " + length + " bytes is shorter than its header");
        }
        long token = in.getLong();
        int partition = in.getInt();
        int attempt = in.getInt();
        long lastStep = in.getLong();
        GradientPartial partial = in.get() == 0 ? null : GradientPartial.readFrom(stream, length - HEADER_BYTES);
        return new StepRequest(token, partition, attempt, lastStep, partial);
    }
}
