package io.sparkamp.core.numeric;

import java.util.Locale;

/**
 * The number formats a run can compute in. {@code FP32} runs everything in float; {@code FP16} and
 * {@code BF16} are the low-precision formats of mixed-precision runs, stored as 16-bit codes.
 */
public enum Precision {
    FP32(4),
    FP16(2),
    BF16(2);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes one value takes in storage. */
    public int bytes() {
        return bytes;
    }

    /** True for the 16-bit formats. */
    public boolean isLow() {
        return this != FP32;
    }

    /** The 16-bit code of {@code value}, rounded to nearest-even. Only for FP16 and BF16. */
    public short encode(float value) {
        switch (this) {
            case FP16:
                return Fp16.fromFloat(value);
            case BF16:
                return Bf16.fromFloat(value);
            default:
                throw new UnsupportedOperationException("FP32 has no 16-bit code; call encode on FP16 or BF16");
        }
    }

    /** The exact float of the 16-bit {@code code}. Only for FP16 and BF16. */
    public float decode(short code) {
        switch (this) {
            case FP16:
                return Fp16.toFloat(code);
            case BF16:
                return Bf16.toFloat(code);
            default:
                throw new UnsupportedOperationException("FP32 has no 16-bit code; call decode on FP16 or BF16");
        }
    }

    /** {@code value} rounded to this format (identity for FP32). */
    public float round(float value) {
        switch (this) {
            case FP16:
                return Fp16.round(value);
            case BF16:
                return Bf16.round(value);
            default:
                return value;
        }
    }

    /** Largest finite value of the format. */
    public float maxValue() {
        switch (this) {
            case FP16:
                return Fp16.MAX_VALUE;
            case BF16:
                return Bf16.MAX_VALUE;
            default:
                return Float.MAX_VALUE;
        }
    }

    /** The lower-case name users type: fp32, fp16, bf16. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses fp32|fp16|bf16 (any case); the error names the setting and the allowed values. */
    public static Precision parse(String text, String settingName) {
        if (text != null) {
            for (Precision p : values()) {
                if (p.name().equalsIgnoreCase(text.trim())) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException(settingName + ": unknown precision '" + text + "' (expected fp32, fp16 or bf16)");
    }
}
