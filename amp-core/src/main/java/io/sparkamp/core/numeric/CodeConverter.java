package io.sparkamp.core.numeric;

import java.nio.ByteBuffer;

/**
 * One implementation of the bulk conversions between FP32 values and FP16/BF16 codes. The facades
 * ({@link LowPrecisionArrays}, {@link LowPrecisionBuffers}) check every argument first, so
 * implementations need not. Buffers are in native byte order and indexed by element, not by byte.
 * Every implementation gives the bits of the scalar converters {@link Fp16} and {@link Bf16}.
 */
interface CodeConverter {
    /** Short name for logs and test names, e.g. "scalar". */
    String name();

    /** {@code dst[dstOff + i] = code of src[srcOff + i]}, rounded to nearest-even. */
    void encode(Precision precision, float[] src, int srcOff, short[] dst, int dstOff, int count);

    /** {@code dst[dstOff + i] = value of src[srcOff + i]}, exact. */
    void decode(Precision precision, short[] src, int srcOff, float[] dst, int dstOff, int count);

    /** Rounds {@code values[off..off + count)} to the nearest value of {@code precision}, in place. */
    void round(Precision precision, float[] values, int off, int count);

    /** Floats at element {@code srcIndex} of {@code src} to codes at element {@code dstIndex} of {@code dst}. */
    void encode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count);

    /** Codes at element {@code srcIndex} of {@code src} to floats at element {@code dstIndex} of {@code dst}. */
    void decode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count);
}
