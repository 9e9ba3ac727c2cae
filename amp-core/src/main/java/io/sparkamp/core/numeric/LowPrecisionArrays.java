package io.sparkamp.core.numeric;

/**
 * Bulk conversions between float arrays and arrays of 16-bit codes of the low-precision formats, FP16
 * ({@link Fp16}) and BF16 ({@link Bf16}). Same rounding as the scalar converters.
 */
public final class LowPrecisionArrays {
    private LowPrecisionArrays() {
    }

    /** Encodes {@code count} floats from {@code src[srcOff..]} into {@code dst[dstOff..]}. */
    public static void encode(Precision precision, float[] src, int srcOff, short[] dst, int dstOff, int count) {
        checkRange(src.length, srcOff, count, "source");
        checkRange(dst.length, dstOff, count, "destination");
        switch (precision) {
            case FP16:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = Fp16.fromFloat(src[srcOff + i]);
                }
                break;
            case BF16:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = Bf16.fromFloat(src[srcOff + i]);
                }
                break;
            default:
                throw new IllegalArgumentException("encode needs FP16 or BF16, got " + precision);
        }
    }

    /** Decodes {@code count} codes from {@code src[srcOff..]} into {@code dst[dstOff..]}. */
    public static void decode(Precision precision, short[] src, int srcOff, float[] dst, int dstOff, int count) {
        checkRange(src.length, srcOff, count, "source");
        checkRange(dst.length, dstOff, count, "destination");
        switch (precision) {
            case FP16:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = Fp16.toFloat(src[srcOff + i]);
                }
                break;
            case BF16:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = Bf16.toFloat(src[srcOff + i]);
                }
                break;
            default:
                throw new IllegalArgumentException("decode needs FP16 or BF16, got " + precision);
        }
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
        switch (precision) { // one loop per format, so the converter inlines
            case FP16:
                for (int i = off; i < off + count; i++) {
                    values[i] = Fp16.round(values[i]);
                }
                break;
            case BF16:
                for (int i = off; i < off + count; i++) {
                    values[i] = Bf16.round(values[i]);
                }
                break;
            default:
                break;
        }
    }

    private static void checkRange(int length, int off, int count, String what) {
        // count > length - off, not off + count > length: the sum can overflow int and pass the check.
        if (off < 0 || count < 0 || count > length - off) {
            throw new IndexOutOfBoundsException(what + " range [" + off + ", " + ((long) off + count) + ") outside array of length " + length);
        }
    }
}
