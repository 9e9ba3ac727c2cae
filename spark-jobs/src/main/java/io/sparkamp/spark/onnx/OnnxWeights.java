package io.sparkamp.spark.onnx;

import io.sparkamp.core.config.ConfigException;

import java.util.Locale;

/**
 * How the exported file stores the weights. {@code fp32}: as trained (the FP32 master weights).
 * {@code fp16}: IEEE half precision, rounded to nearest-even, half the file size; every weight tensor is
 * followed by a Cast to FP32, so the graph still computes in FP32 on any runtime.
 */
public enum OnnxWeights {
    FP32, FP16;

    /** Parses fp32|fp16 (any case); the error names the flag. */
    public static OnnxWeights parse(String text) {
        if (text != null) {
            for (OnnxWeights w : values()) {
                if (w.name().equalsIgnoreCase(text.trim())) {
                    return w;
                }
            }
        }
        throw new ConfigException("--onnx-weights: unknown weight format '" + text + "' (expected fp32 or fp16)");
    }

    /** The lower-case name users type. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
