package io.sparkamp.core.numeric;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

import static io.sparkamp.core.numeric.VectorCodes.FLOATS;
import static io.sparkamp.core.numeric.VectorCodes.INTS;
import static io.sparkamp.core.numeric.VectorCodes.LANES;
import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.AND;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.OR;
import static jdk.incubator.vector.VectorOperators.SUB;

/**
 * The conversions on the Vector API ({@link VectorCodes}); the last {@code count % LANES} values go
 * through the scalar converters (JDK 17 runs masked vector loads and stores in a slow Java fallback).
 * Loaded by name from {@link CodeConverters} only where the incubator module is present.
 */
final class VectorCodeConverter implements CodeConverter {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Values per heap chunk of a buffer-to-buffer encode. */
    private static final int CHUNK = 4096;
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

    /*
     * The encode loops have the FP16/BF16 encodings (VectorCodes) written out, for the reason the decode loops do,
     * with their constants as vectors broadcast before the loop (see VectorCodes on scalar operands).
     */

    private static void encodeFp16(float[] src, int srcOff, short[] dst, int dstOff, int whole) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector bias = IntVector.broadcast(INTS, 0x3800_0000);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector belowHalf = IntVector.broadcast(INTS, 0xfff);
        FloatVector half = FloatVector.broadcast(FLOATS, 0.5f);
        IntVector halfBits = IntVector.broadcast(INTS, 0x3f00_0000);
        IntVector minNormal = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector overflow = IntVector.broadcast(INTS, 0x477f_f000);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7c00);
        IntVector mantissa = IntVector.broadcast(INTS, 0x3ff);
        IntVector quietNan = IntVector.broadcast(INTS, 0x200);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000);
        for (int i = 0; i < whole; i += LANES) {
            IntVector bits = (IntVector) FloatVector.fromArray(FLOATS, src, srcOff + i).reinterpretShape(INTS, 0);
            IntVector abs = bits.lanewise(AND, absMask);
            IntVector rebiased = abs.lanewise(SUB, bias);
            IntVector code = rebiased.lanewise(ADD, rebiased.lanewise(VectorOperators.LSHR, 13).lanewise(AND, one))
                    .lanewise(ADD, belowHalf)
                    .lanewise(VectorOperators.LSHR, 13);
            IntVector subnormal = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, half)
                    .reinterpretShape(INTS, 0))
                    .lanewise(SUB, halfBits);
            code = code.blend(subnormal, abs.compare(VectorOperators.LT, minNormal));
            code = code.blend(infinityCode, abs.compare(VectorOperators.GE, overflow));
            IntVector payload = abs.lanewise(VectorOperators.LSHR, 13).lanewise(AND, mantissa);
            IntVector nanCode = payload.blend(quietNan, payload.compare(VectorOperators.EQ, zero))
                    .lanewise(OR, infinityCode);
            code = code.blend(nanCode, abs.compare(VectorOperators.GT, infinity))
                    .lanewise(OR, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, signBit));
            ((ShortVector) code.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoArray(dst, dstOff + i);
        }
    }

    private static void encodeBf16(float[] src, int srcOff, short[] dst, int dstOff, int whole) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector quietCode = IntVector.broadcast(INTS, 0x0040);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x7f);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int i = 0; i < whole; i += LANES) {
            IntVector bits = (IntVector) FloatVector.fromArray(FLOATS, src, srcOff + i).reinterpretShape(INTS, 0);
            IntVector top = bits.lanewise(VectorOperators.LSHR, 16);
            IntVector code = bits.lanewise(ADD, top.lanewise(AND, one)).lanewise(ADD, roundingBias)
                    .lanewise(VectorOperators.LSHR, 16);
            IntVector nanCode = top.blend(top.lanewise(OR, quietCode),
                    top.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero));
            code = code.blend(nanCode, bits.lanewise(AND, absMask).compare(VectorOperators.GT, infinity));
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
     * computes in FP32) have the FP16 decoding (VectorCodes) written out in them: called, it was compiled on its own
     * in some runs and not inlined, and then ran the Vector API's Java fallback (measured: a whole fp16 run
     * 25-30 % slower, depending on compile order).
     */

    private static void decodeFp16(short[] src, int srcOff, float[] dst, int dstOff, int whole) {
        IntVector magnitudeMask = IntVector.broadcast(INTS, 0x7fff);
        FloatVector rebias = FloatVector.broadcast(FLOATS, 0x1p112f);
        IntVector specialBias = IntVector.broadcast(INTS, 0x7000_0000);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7c00);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000);
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromArray(VectorCodes.SHORTS, src, srcOff + i)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            IntVector magnitude = codes.lanewise(AND, magnitudeMask);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = (IntVector) ((FloatVector) shifted.reinterpretShape(FLOATS, 0)).lanewise(MUL, rebias)
                    .reinterpretShape(INTS, 0);
            bits = bits.blend(shifted.lanewise(ADD, specialBias), magnitude.compare(VectorOperators.GE, infinityCode));
            ((FloatVector) bits.lanewise(OR, codes.lanewise(AND, signBit).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretShape(FLOATS, 0))
                    .intoArray(dst, dstOff + i);
        }
    }

    private static void decodeBf16(short[] src, int srcOff, float[] dst, int dstOff, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromArray(VectorCodes.SHORTS, src, srcOff + i)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            ((FloatVector) codes.lanewise(VectorOperators.LSHL, 16).reinterpretShape(FLOATS, 0)).intoArray(dst, dstOff + i);
        }
    }

    @Override
    public void round(Precision precision, float[] values, int off, int count) {
        int whole = count - count % LANES;
        if (precision == Precision.FP16) {
            roundFp16(values, off, whole);
        } else if (precision == Precision.BF16) {
            roundBf16(values, off, whole);
        }
        tail.round(precision, values, off + whole, count - whole);
    }

    /* The FP16 and BF16 roundings (VectorCodes) written out: inference rounds every input batch this way. */

    private static void roundFp16(float[] values, int off, int whole) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        for (int i = off; i < off + whole; i += LANES) {
            IntVector bits = (IntVector) FloatVector.fromArray(FLOATS, values, i).reinterpretShape(INTS, 0);
            IntVector abs = bits.lanewise(AND, absMask);
            FloatVector magic = (FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                    .lanewise(MIN, maxExponent).lanewise(ADD, magicOffset)
                    .reinterpretShape(FLOATS, 0);
            IntVector rounded = (IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                    .lanewise(SUB, magic).lanewise(MUL, up)
                    .lanewise(MUL, down).reinterpretShape(INTS, 0);
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
            if (isNan.anyTrue()) {
                IntVector payload = abs.lanewise(AND, nanPayload);
                rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                        .lanewise(OR, exponent), isNan);
            }
            ((FloatVector) rounded.lanewise(OR, bits.lanewise(AND, signBit))
                    .reinterpretShape(FLOATS, 0)).intoArray(values, i);
        }
    }

    private static void roundBf16(float[] values, int off, int whole) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector high = IntVector.broadcast(INTS, 0xffff_0000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x007f_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int i = off; i < off + whole; i += LANES) {
            IntVector bits = (IntVector) FloatVector.fromArray(FLOATS, values, i).reinterpretShape(INTS, 0);
            IntVector rounded = bits.lanewise(ADD, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias).lanewise(AND, high);
            IntVector nan = bits.lanewise(AND, high);
            nan = nan.blend(nan.lanewise(OR, quietBit), nan.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero));
            rounded = rounded.blend(nan, bits.lanewise(AND, absMask).compare(VectorOperators.GT, infinity));
            ((FloatVector) rounded.reinterpretShape(FLOATS, 0)).intoArray(values, i);
        }
    }

    @Override
    public void encode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        // Through heap chunks and the array loops above: one written-out loop per conversion, not two.
        float[] floats = new float[Math.min(count, CHUNK)];
        short[] codes = new short[floats.length];
        FloatBuffer from = src.duplicate().position(0).order(ORDER).asFloatBuffer();
        ShortBuffer to = dst.duplicate().position(0).order(ORDER).asShortBuffer();
        for (int done = 0; done < count; done += CHUNK) {
            int n = Math.min(CHUNK, count - done);
            from.get(srcIndex + done, floats, 0, n);
            encode(precision, floats, 0, codes, 0, n);
            to.put(dstIndex + done, codes, 0, n);
        }
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
        IntVector magnitudeMask = IntVector.broadcast(INTS, 0x7fff);
        FloatVector rebias = FloatVector.broadcast(FLOATS, 0x1p112f);
        IntVector specialBias = IntVector.broadcast(INTS, 0x7000_0000);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7c00);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000);
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, (srcIndex + i) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            IntVector magnitude = codes.lanewise(AND, magnitudeMask);
            IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = (IntVector) ((FloatVector) shifted.reinterpretShape(FLOATS, 0)).lanewise(MUL, rebias)
                    .reinterpretShape(INTS, 0);
            bits = bits.blend(shifted.lanewise(ADD, specialBias), magnitude.compare(VectorOperators.GE, infinityCode));
            ((FloatVector) bits.lanewise(OR, codes.lanewise(AND, signBit).lanewise(VectorOperators.LSHL, 16))
                    .reinterpretShape(FLOATS, 0))
                    .intoByteBuffer(dst, (dstIndex + i) * 4, ORDER);
        }
    }

    private static void decodeBf16(ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int whole) {
        for (int i = 0; i < whole; i += LANES) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, (srcIndex + i) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            ((FloatVector) codes.lanewise(VectorOperators.LSHL, 16).reinterpretShape(FLOATS, 0))
                    .intoByteBuffer(dst, (dstIndex + i) * 4, ORDER);
        }
    }
}
