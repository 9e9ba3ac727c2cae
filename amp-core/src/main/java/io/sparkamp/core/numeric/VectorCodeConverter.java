package io.sparkamp.core.numeric;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import java.nio.ByteBuffer;

import static io.sparkamp.core.numeric.VectorCodes.FLOATS;
import static io.sparkamp.core.numeric.VectorCodes.LANES;

/**
 * The conversions on the Vector API ({@link VectorCodes}); the last {@code count % LANES} values go
 * through the scalar converters (JDK 17 runs masked vector loads and stores in a slow Java fallback).
 * Loaded by name from {@link CodeConverters} only where the incubator module is present.
 */
final class VectorCodeConverter implements CodeConverter {
    private final ScalarCodeConverter tail = new ScalarCodeConverter();

    @Override
    public String name() {
        return "vector (" + LANES + " lanes)";
    }

    @Override
    public void encode(Precision precision, float[] src, int srcOff, short[] dst, int dstOff, int count) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, srcOff + i).reinterpretAsInts();
            VectorCodes.storeCodes(VectorCodes.encode(precision, bits), dst, dstOff + i);
        }
        tail.encode(precision, src, srcOff + i, dst, dstOff + i, count - i);
    }

    @Override
    public void decode(Precision precision, short[] src, int srcOff, float[] dst, int dstOff, int count) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            IntVector codes = VectorCodes.loadCodes(src, srcOff + i);
            VectorCodes.decode(precision, codes).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
        tail.decode(precision, src, srcOff + i, dst, dstOff + i, count - i);
    }

    @Override
    public void round(Precision precision, float[] values, int off, int count) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            VectorCodes.round(precision, FloatVector.fromArray(FLOATS, values, off + i)).intoArray(values, off + i);
        }
        tail.round(precision, values, off + i, count - i);
    }

    @Override
    public void encode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            IntVector bits = VectorCodes.loadFloats(src, srcIndex + i).reinterpretAsInts();
            VectorCodes.storeCodes(VectorCodes.encode(precision, bits), dst, dstIndex + i);
        }
        tail.encode(precision, src, srcIndex + i, dst, dstIndex + i, count - i);
    }

    @Override
    public void decode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        int i = 0;
        for (; i <= count - LANES; i += LANES) {
            IntVector codes = VectorCodes.loadCodes(src, srcIndex + i);
            VectorCodes.storeFloats(VectorCodes.decode(precision, codes).reinterpretAsFloats(), dst, dstIndex + i);
        }
        tail.decode(precision, src, srcIndex + i, dst, dstIndex + i, count - i);
    }
}
