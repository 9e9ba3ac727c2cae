package io.sparkamp.core.numeric;

import java.nio.ByteBuffer;

/** The plain loops over the scalar converters: always there, always correct. One loop per format, so the converter inlines. */
final class ScalarCodeConverter implements CodeConverter {
    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public void encode(Precision precision, float[] src, int srcOff, short[] dst, int dstOff, int count) {
        if (precision == Precision.FP16) {
            for (int i = 0; i < count; i++) {
                dst[dstOff + i] = Fp16.fromFloat(src[srcOff + i]);
            }
        } else {
            for (int i = 0; i < count; i++) {
                dst[dstOff + i] = Bf16.fromFloat(src[srcOff + i]);
            }
        }
    }

    @Override
    public void decode(Precision precision, short[] src, int srcOff, float[] dst, int dstOff, int count) {
        if (precision == Precision.FP16) {
            for (int i = 0; i < count; i++) {
                dst[dstOff + i] = Fp16.toFloat(src[srcOff + i]);
            }
        } else {
            for (int i = 0; i < count; i++) {
                dst[dstOff + i] = Bf16.toFloat(src[srcOff + i]);
            }
        }
    }

    @Override
    public void round(Precision precision, float[] values, int off, int count) {
        if (precision == Precision.FP16) {
            for (int i = off; i < off + count; i++) {
                values[i] = Fp16.round(values[i]);
            }
        } else {
            for (int i = off; i < off + count; i++) {
                values[i] = Bf16.round(values[i]);
            }
        }
    }

    @Override
    public void encode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        if (precision == Precision.FP16) {
            for (int i = 0; i < count; i++) {
                dst.putShort((dstIndex + i) * 2, Fp16.fromFloat(src.getFloat((srcIndex + i) * 4)));
            }
        } else {
            for (int i = 0; i < count; i++) {
                dst.putShort((dstIndex + i) * 2, Bf16.fromFloat(src.getFloat((srcIndex + i) * 4)));
            }
        }
    }

    @Override
    public void decode(Precision precision, ByteBuffer src, int srcIndex, ByteBuffer dst, int dstIndex, int count) {
        if (precision == Precision.FP16) {
            for (int i = 0; i < count; i++) {
                dst.putFloat((dstIndex + i) * 4, Fp16.toFloat(src.getShort((srcIndex + i) * 2)));
            }
        } else {
            for (int i = 0; i < count; i++) {
                dst.putFloat((dstIndex + i) * 4, Bf16.toFloat(src.getShort((srcIndex + i) * 2)));
            }
        }
    }
}
