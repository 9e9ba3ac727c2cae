package io.sparkamp.core.numeric;

import java.nio.ByteBuffer;

/**
 * The conversions of {@link LowPrecisionArrays} between buffers (heap or off-heap, native byte order):
 * FP32 values at one buffer's elements to FP16/BF16 codes at another's, and back. Indices count
 * elements, not bytes; each buffer is addressed from its own position 0.
 */
public final class LowPrecisionBuffers {
    private static final CodeConverter CONVERTER = CodeConverters.selected();

    private LowPrecisionBuffers() {
    }

    /** Encodes the floats at {@code src[srcIndex..]} into codes at {@code dst[dstIndex..]}. */
    public static void encode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        LowPrecisionArrays.requireLow(precision, "encode");
        LowPrecisionArrays.checkRange(src.capacity() / 4, srcIndex, count, "source");
        LowPrecisionArrays.checkRange(dst.capacity() / 2, dstIndex, count, "destination");
        CONVERTER.encode(precision, src, srcIndex, dst, dstIndex, count);
    }

    /** Decodes the codes at {@code src[srcIndex..]} into floats at {@code dst[dstIndex..]}. */
    public static void decode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        LowPrecisionArrays.requireLow(precision, "decode");
        LowPrecisionArrays.checkRange(src.capacity() / 2, srcIndex, count, "source");
        LowPrecisionArrays.checkRange(dst.capacity() / 4, dstIndex, count, "destination");
        CONVERTER.decode(precision, src, srcIndex, dst, dstIndex, count);
    }
}
