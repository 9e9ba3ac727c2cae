package io.sparkamp.core.numeric;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.sparkamp.core.numeric.VectorCodes.FLOATS;
import static io.sparkamp.core.numeric.VectorCodes.LANES;

/**
 * The conversions on the Vector API ({@link VectorCodes}); the last {@code count % LANES} values go
 * through the scalar converters (JDK 17 runs masked vector loads and stores in a slow Java fallback).
 * Loaded by name from {@link CodeConverters} only where the incubator module is present.
 */
final class VectorCodeConverter implements CodeConverter {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private final ScalarCodeConverter tail = new ScalarCodeConverter();

    @Override
    public String name() {
        return "vector (" + LANES + " lanes)";
    }

    @Override
    public void encode(Precision precision, float[] src, int srcOff, short[] dst, int dstOff, int count) {
        int whole = count - count % LANES;
        if (precision == Precision.FP16) {
            encodeFp16(src, srcOff, dst, dstOff, whole);
        } else {
            encodeBf16(src, srcOff, dst, dstOff, whole);
        }
        tail.encode(precision, src, srcOff + whole, dst, dstOff + whole, count - whole);
    }

    /* The encode loops have VectorCodes.encodeFp16/encodeBf16 written out, for the reason the decode loops do. */

    private static void encodeFp16(float[] src, int srcOff, short[] dst, int dstOff, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, srcOff + i).reinterpretAsInts();
            IntVector abs = bits.and(0x7fff_ffff);
            IntVector rebiased = abs.sub(0x3800_0000);
            IntVector code = rebiased.add(rebiased.lanewise(VectorOperators.LSHR, 13).and(1)).add(0xfff)
                    .lanewise(VectorOperators.LSHR, 13);
            IntVector subnormal = abs.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3f00_0000);
            code = code.blend(subnormal, abs.compare(VectorOperators.LT, 0x3880_0000));
            code = code.blend(0x7c00, abs.compare(VectorOperators.GE, 0x477f_f000));
            IntVector payload = abs.lanewise(VectorOperators.LSHR, 13).and(0x3ff);
            IntVector nanCode = payload.blend(0x200, payload.compare(VectorOperators.EQ, 0)).or(0x7c00);
            code = code.blend(nanCode, abs.compare(VectorOperators.GT, 0x7f80_0000))
                    .or(bits.lanewise(VectorOperators.LSHR, 16).and(0x8000));
            ((ShortVector) code.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoArray(dst, dstOff + i);
        }
    }

    private static void encodeBf16(float[] src, int srcOff, short[] dst, int dstOff, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector bits = FloatVector.fromArray(FLOATS, src, srcOff + i).reinterpretAsInts();
            IntVector top = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector code = bits.add(top.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
            IntVector nanCode = top.blend(top.or(0x0040), top.and(0x7f).compare(VectorOperators.EQ, 0));
            code = code.blend(nanCode, bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
            ((ShortVector) code.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoArray(dst, dstOff + i);
        }
    }

    @Override
    public void decode(Precision precision, short[] src, int srcOff, float[] dst, int dstOff, int count) {
        int whole = count - count % LANES;
        if (precision == Precision.FP16) {
            decodeFp16(src, srcOff, dst, dstOff, whole);
        } else {
            decodeBf16(src, srcOff, dst, dstOff, whole);
        }
        tail.decode(precision, src, srcOff + whole, dst, dstOff + whole, count - whole);
    }

    /*
     * The decode loops (the first layer's rows are widened by them on every micro-batch when the matmul
     * computes in FP32) have VectorCodes.decodeFp16 written out in them: called, it was compiled on its own
     * in some runs and not inlined, and then ran the Vector API's Java fallback (measured: a whole fp16 run
     * 25-30 % slower, depending on compile order).
     */

    private static void decodeFp16(short[] src, int srcOff, float[] dst, int dstOff, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromArray(VectorCodes.SHORTS, src, srcOff + i)
                    .convertShape(VectorOperators.S2I, VectorCodes.INTS, 0);
            IntVector magnitude = codes.and(0x7fff);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            bits = bits.blend(shifted.add(0x7000_0000), magnitude.compare(VectorOperators.GE, 0x7c00));
            bits.or(codes.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
    }

    private static void decodeBf16(short[] src, int srcOff, float[] dst, int dstOff, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromArray(VectorCodes.SHORTS, src, srcOff + i)
                    .convertShape(VectorOperators.S2I, VectorCodes.INTS, 0);
            codes.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(dst, dstOff + i);
        }
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
        int whole = count - count % LANES;
        if (precision == Precision.FP16) {
            decodeFp16(src, srcIndex, dst, dstIndex, whole);
        } else {
            decodeBf16(src, srcIndex, dst, dstIndex, whole);
        }
        tail.decode(precision, src, srcIndex + whole, dst, dstIndex + whole, count - whole);
    }

    private static void decodeFp16(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, (srcIndex + i) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, VectorCodes.INTS, 0);
            IntVector magnitude = codes.and(0x7fff);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            bits = bits.blend(shifted.add(0x7000_0000), magnitude.compare(VectorOperators.GE, 0x7c00));
            bits.or(codes.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats()
                    .intoByteBuffer(dst, (dstIndex + i) * 4, ORDER);
        }
    }

    private static void decodeBf16(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, (srcIndex + i) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, VectorCodes.INTS, 0);
            codes.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoByteBuffer(dst, (dstIndex + i) * 4, ORDER);
        }
    }
}
