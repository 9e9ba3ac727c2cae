package io.sparkamp.spark.data;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.nn.EmbeddingSpec;
import io.sparkamp.core.nn.LayerNormSpec;
import io.sparkamp.core.nn.LayerSpec;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import java.util.Locale;

/**
 * Setting {@code input-storage}: the precision the cached features are stored in, and from it the
 * precision validation checks feature values against.
 *
 * <ul>
 *   <li>{@code auto} (default): the run's precision (2 bytes per value in fp16/bf16 runs), except FP32 when
 *       the model starts with an embedding, whose token ids must stay exact integers (FP16 holds integers
 *       exactly only up to 2048, BF16 up to 256).</li>
 *   <li>{@code fp32}: FP32 (4 bytes per value) whatever the run's precision; the compute precision is
 *       unchanged.</li>
 * </ul>
 *
 * <p>Where a value must fit: the first layer reads the features in the run's precision (a first
 * {@code linear} multiplies them in FP16/BF16), except {@code layernorm} and {@code embedding}, which read
 * the stored values in FP32. So FP32 storage lets a {@code layernorm}-first model take features beyond
 * FP16's range, and changes nothing for a {@code linear}-first one.
 */
public enum InputStorage {
    AUTO, FP32;

    /** Parses {@code auto} or {@code fp32} (any case); the error names the setting. */
    public static InputStorage parse(String value, String source) {
        if (value != null) {
            for (InputStorage s : values()) {
                if (s.name().equalsIgnoreCase(value.trim())) {
                    return s;
                }
            }
        }
        throw new ConfigException("input-storage (from " + source + "): unknown value '" + value + "'; expected auto or fp32");
    }

    /** The precision the cache stores features in for a run computing in {@code compute}. */
    public Precision storage(Precision compute, ModelSpec model) {
        if (this == FP32 || firstLayer(model) instanceof EmbeddingSpec) {
            return Precision.FP32;
        }
        return compute;
    }

    /** The narrowest precision a feature value passes through before the model's first FP32 operation. */
    public Precision checkedPrecision(Precision compute, ModelSpec model) {
        LayerSpec first = firstLayer(model);
        return first instanceof LayerNormSpec || first instanceof EmbeddingSpec ? storage(compute, model) : compute;
    }

    /** The lower-case name users type. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    private static LayerSpec firstLayer(ModelSpec model) {
        return model.layers().isEmpty() ? null : model.layers().get(0);
    }
}
