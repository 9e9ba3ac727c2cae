package io.sparkamp.spark.transport;

import io.grpc.Drainable;
import io.grpc.KnownLength;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * A message's bytes (one or two arrays, header and body, not joined) as gRPC wants them: with a known
 * length and drained straight into gRPC's buffers, so a multi-megabyte partial or weight message is
 * copied once on its way out instead of being buffered twice.
 */
final class MessageStream extends InputStream implements KnownLength, Drainable {
    private final byte[][] parts;
    private int part;
    private int offset;

    MessageStream(byte[]... parts) {
        this.parts = parts;
    }

    @Override
    public int available() {
        long left = 0;
        for (int i = part; i < parts.length; i++) {
            left += parts[i].length - (i == part ? offset : 0);
        }
        return (int) Math.min(Integer.MAX_VALUE, left);
    }

    @Override
    public int read() {
        while (part < parts.length && offset == parts[part].length) {
            part++;
            offset = 0;
        }
        return part == parts.length ? -1 : parts[part][offset++] & 0xFF;
    }

    @Override
    public int read(byte[] into, int off, int len) {
        if (len == 0) {
            return 0;
        }
        while (part < parts.length && offset == parts[part].length) {
            part++;
            offset = 0;
        }
        if (part == parts.length) {
            return -1;
        }
        int n = Math.min(len, parts[part].length - offset);
        System.arraycopy(parts[part], offset, into, off, n);
        offset += n;
        return n;
    }

    @Override
    public int drainTo(OutputStream target) throws IOException {
        int written = 0;
        for (; part < parts.length; part++, offset = 0) {
            int n = parts[part].length - offset;
            target.write(parts[part], offset, n);
            written += n;
        }
        return written;
    }

    /** All bytes of a received message, read into one array of its exact length when the length is known. */
    static byte[] readFully(InputStream stream) throws IOException {
        if (stream instanceof KnownLength) {
            int length = stream.available();
            byte[] bytes = new byte[length];
            // straight into the array (readNBytes(int) would gather 8 KiB chunks and copy them again)
            int read = stream.readNBytes(bytes, 0, length);
            if (read == length && stream.read() == -1) {
                return bytes;
            }
            throw new IOException("message longer than its announced " + length + " bytes");
        }
        return stream.readAllBytes();
    }
}
