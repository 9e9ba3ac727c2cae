package io.sparkamp.core.numeric;

/**
 * Bulk conversions between float arrays and arrays of 16-bit codes of the low-precision formats, FP16
 * ({@link Fp16}) and BF16 ({@link Bf16}). Same rounding as the scalar converters. Arguments are checked
 * here once; the loops are the Vector API ones where the JVM has the incubator module, else plain ones
 * (chosen once and logged by {@link CodeConverters}).
 */
public final class LowPrecisionArrays {
    private static final CodeConverter CONVERTER = CodeConverters.selected();

    private LowPrecisionArrays() {
    }

    /** Encodes {@code count} floats from {@code src[srcOff..]} into {@code dst[dstOff..]}. */
    public static void encode(Precision precision, float[] src, int srcOff, short[] dst, int dstOff, int count) {
        requireLow(precision, "encode");
        checkRange(src.length, srcOff, count, "source");
        checkRange(dst.length, dstOff, count, "destination");
        CONVERTER.encode(precision, src, srcOff, dst, dstOff, count);
    }

    /** Decodes {@code count} codes from {@code src[srcOff..]} into {@code dst[dstOff..]}. */
    public static void decode(Precision precision, short[] src, int srcOff, float[] dst, int dstOff, int count) {
        requireLow(precision, "decode");
        checkRange(src.length, srcOff, count, "source");
        checkRange(dst.length, dstOff, count, "destination");
        CONVERTER.decode(precision, src, srcOff, dst, dstOff, count);
    }

    /** A new array with the codes of every value of {@code src}. */
    public static short[] encode(Precision precision, float[] src) {
        short[] out = new short[src.length];
        encode(precision, src, 0, out, 0, src.length);
        return out;
    }

    /** A new array with the float of every code of {@code src}. */
    public static float[] decode(Precision precision, short[] src) {
        float[] out = new float[src.length];
        decode(precision, src, 0, out, 0, src.length);
        return out;
    }

    /** Rounds {@code values} in place to {@code precision} (no-op for FP32). */
    public static void roundInPlace(Precision precision, float[] values, int off, int count) {
        checkRange(values.length, off, count, "values");
        if (precision.isLow()) {
            CONVERTER.round(precision, values, off, count);
        }
    }

    static void requireLow(Precision precision, String call) {
        if (!precision.isLow()) {
            throw new IllegalArgumentException(call + " needs FP16 or BF16, got " + precision);
        }
    }

    static void checkRange(int length, int off, int count, String what) {
        // count > length - off, not off + count > length: the sum can overflow int and pass the check.
        if (off < 0 || count < 0 || count > length - off) {
            throw new IndexOutOfBoundsException(what + " range [" + off + ", " + ((long) off + count) + ") outside array of length " + length);
        }
    }
}
