package io.sparkamp.core.numeric;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * FP16/BF16 conversions as bit manipulation on int lanes (Vector API), for the vector loops of this
 * package and of {@code ops}. Only classes loaded where {@code jdk.incubator.vector} is present may
 * refer to it (see {@link Vectorization}).
 *
 * <p>A float's bits and a 16-bit code each sit in one int lane, so one vector of {@link #INTS} lanes
 * converts as many values as a float vector holds. The rounding is the scalar converters' rule, lane by
 * lane: exactly round-to-nearest-even, with subnormals, ±infinity, overflow to infinity and NaN payloads
 * as {@link Fp16#fromFloat} and {@link Bf16#fromFloat} keep them.
 */
public final class VectorCodes {
    /** Int lanes of the widest vector this CPU and JVM run well. */
    public static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** Float lanes, as many as {@link #INTS}. */
    public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Short lanes, as many as {@link #INTS} (half the bits). */
    public static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(INTS.vectorBitSize() / 2));
    /** Values per vector. */
    public static final int LANES = INTS.length();
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private VectorCodes() {
    }

    /** The codes of the float {@code bits} in {@code precision} (FP16 or BF16), in the low 16 bits of each lane. */
    public static IntVector encode(Precision precision, IntVector bits) {
        return precision == Precision.FP16 ? encodeFp16(bits) : encodeBf16(bits);
    }

    /** The float bits of the codes in the low 16 bits of each lane (higher bits are ignored). */
    public static IntVector decode(Precision precision, IntVector codes) {
        return precision == Precision.FP16 ? decodeFp16(codes) : codes.lanewise(VectorOperators.LSHL, 16);
    }

    /** {@code values} rounded to the nearest value of {@code precision} (identity for FP32). */
    public static FloatVector round(Precision precision, FloatVector values) {
        return roundBits(precision, values.reinterpretAsInts()).reinterpretAsFloats();
    }

    /** The float bits of the nearest value of {@code precision} to the float {@code bits} (identity for FP32). */
    public static IntVector roundBits(Precision precision, IntVector bits) {
        if (precision == Precision.FP16) {
            return roundFp16(bits);
        }
        return precision == Precision.BF16 ? roundBf16(bits) : bits;
    }

    /**
     * The codes of float bits already exact in {@code precision}: for BF16 the top half, no rounding to do;
     * for FP16 the full encoding (the exponent is re-biased either way).
     */
    public static IntVector encodeExact(Precision precision, IntVector bits) {
        return precision == Precision.BF16 ? bits.lanewise(VectorOperators.LSHR, 16) : encodeFp16(bits);
    }

    /** BF16's nearest value as float bits: the kept half rounded ties-to-even, NaN kept as a BF16 NaN keeps it. */
    static IntVector roundBf16(IntVector bits) {
        IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).and(0xffff_0000);
        IntVector nan = bits.and(0xffff_0000);
        nan = nan.blend(nan.or(0x0040_0000), nan.and(0x007f_0000).compare(VectorOperators.EQ, 0));
        return rounded.blend(nan, bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
    }

    /**
     * The float bits of FP16's nearest value, without going through the code (the mixed-precision passes
     * round far more often than they encode), rounded by the FPU: adding 1.5·2^(e+13), where 2^e is the
     * value's power of two (at least 2^-14, the subnormal range's fixed spacing; at most 2^15), leaves the
     * sum's last mantissa bit worth FP16's ulp 2^(e-10), so the add's round-to-nearest-even is FP16's and
     * subtracting it again is exact; multiplying by 2^112 and back turns 65520 and more (rounded to 65536 or
     * more) into infinity and leaves everything below exact. NaN keeps the payload an FP16 NaN keeps. The
     * same bits as {@code decode(encode(x))}; hot loops write these lines out (see {@code VectorElementwise}).
     */
    static IntVector roundFp16(IntVector bits) {
        IntVector abs = bits.and(0x7fff_ffff);
        FloatVector magic = abs.and(0x7f80_0000).max(0x3880_0000).min(0x4700_0000).add(0x06c0_0000).reinterpretAsFloats();
        IntVector rounded = abs.reinterpretAsFloats().add(magic).sub(magic).mul(0x1p112f).mul(0x1p-112f).reinterpretAsInts();
        VectorMask<Integer> nan = abs.compare(VectorOperators.GT, 0x7f80_0000);
        if (nan.anyTrue()) {
            IntVector payload = abs.and(0x007f_e000);
            rounded = rounded.blend(payload.blend(0x0040_0000, payload.compare(VectorOperators.EQ, 0)).or(0x7f80_0000), nan);
        }
        return rounded.or(bits.and(0x8000_0000));
    }

    /** BF16: add half an ulp of the kept bits (ties to even), keep the top 16; NaNs stay NaN. */
    static IntVector encodeBf16(IntVector bits) {
        IntVector top = bits.lanewise(VectorOperators.LSHR, 16);
        IntVector rounded = bits.add(top.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
        VectorMask<Integer> nan = bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000);
        // A NaN whose top seven payload bits are zero would read as infinity: it becomes the quiet NaN.
        IntVector nanCode = top.blend(top.or(0x0040), top.and(0x7f).compare(VectorOperators.EQ, 0));
        return rounded.blend(nanCode, nan);
    }

    /** FP16: re-bias and round the normal range in integers, the subnormal range with one float add. */
    static IntVector encodeFp16(IntVector bits) {
        IntVector sign = bits.lanewise(VectorOperators.LSHR, 16).and(0x8000);
        IntVector abs = bits.and(0x7fff_ffff);
        IntVector rebiased = abs.sub(0x3800_0000);
        IntVector code = rebiased.add(rebiased.lanewise(VectorOperators.LSHR, 13).and(1)).add(0xfff)
                .lanewise(VectorOperators.LSHR, 13);
        // Below 2^-14 the half is a multiple of 2^-24: adding 0.5 makes the float's last bit 2^-24, so the
        // hardware's round-to-nearest-even on the add is the half's rounding, and the sum's low bits its code.
        IntVector subnormal = abs.reinterpretAsFloats().add(0.5f).reinterpretAsInts().sub(0x3f00_0000);
        code = code.blend(subnormal, abs.compare(VectorOperators.LT, 0x3880_0000));
        code = code.blend(0x7c00, abs.compare(VectorOperators.GE, 0x477f_f000)); // 65520 and up, and infinity
        IntVector payload = abs.lanewise(VectorOperators.LSHR, 13).and(0x3ff);
        IntVector nanCode = payload.blend(0x200, payload.compare(VectorOperators.EQ, 0)).or(0x7c00);
        code = code.blend(nanCode, abs.compare(VectorOperators.GT, 0x7f80_0000));
        return code.or(sign);
    }

    /**
     * FP16 to float bits: the code's exponent and mantissa moved into a float's places is the value times
     * 2^-112 (a subnormal code lands on a float subnormal), so one exact multiply by 2^112 re-biases normals
     * and normalises subnormals; exponent 31 (infinity, NaN with its payload) becomes 255 by re-biasing.
     */
    static IntVector decodeFp16(IntVector codes) {
        IntVector magnitude = codes.and(0x7fff);
        IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
        IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
        bits = bits.blend(shifted.add(0x7000_0000), magnitude.compare(VectorOperators.GE, 0x7c00));
        return bits.or(codes.and(0x8000).lanewise(VectorOperators.LSHL, 16));
    }

    /** Codes {@code a[i..i + LANES)} widened to int lanes (sign-extended). */
    public static IntVector loadCodes(short[] a, int i) {
        return (IntVector) ShortVector.fromArray(SHORTS, a, i).convertShape(VectorOperators.S2I, INTS, 0);
    }

    /** Codes at elements {@code [index, index + LANES)} of {@code b} widened to int lanes (sign-extended). */
    public static IntVector loadCodes(ByteBuffer b, int index) {
        return (IntVector) ShortVector.fromByteBuffer(SHORTS, b, index * 2, ORDER).convertShape(VectorOperators.S2I, INTS, 0);
    }

    /** Stores the low 16 bits of each lane at {@code a[i..i + LANES)}. */
    public static void storeCodes(IntVector codes, short[] a, int i) {
        ((ShortVector) codes.convertShape(VectorOperators.I2S, SHORTS, 0)).intoArray(a, i);
    }

    /** Stores the low 16 bits of each lane at elements {@code [index, index + LANES)} of {@code b}. */
    public static void storeCodes(IntVector codes, ByteBuffer b, int index) {
        ((ShortVector) codes.convertShape(VectorOperators.I2S, SHORTS, 0)).intoByteBuffer(b, index * 2, ORDER);
    }

    /** Floats at elements {@code [index, index + LANES)} of {@code b}. */
    public static FloatVector loadFloats(ByteBuffer b, int index) {
        return FloatVector.fromByteBuffer(FLOATS, b, index * 4, ORDER);
    }

    /** Stores {@code values} at elements {@code [index, index + LANES)} of {@code b}. */
    public static void storeFloats(FloatVector values, ByteBuffer b, int index) {
        values.intoByteBuffer(b, index * 4, ORDER);
    }
}
