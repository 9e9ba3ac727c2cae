package io.sparkamp.spark.compare;

import io.sparkamp.core.config.ConfigException;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * One run of a comparison: a name from {@code --precisions}, the precision it trains in and the
 * {@code loss-scale} setting it overrides. {@code fp16-noscale} is FP16 without loss scaling, the run
 * that shows what the scaler prevents; {@code fp16} keeps the config's scaling (dynamic unless the config
 * sets a static scale).
 *
 * @param name      as given in {@code --precisions}; names the metrics file and the report's series
 * @param precision the {@code precision} setting of the run
 * @param lossScale the {@code loss-scale} setting of the run
 */
record Variant(String name, String precision, String lossScale) {
    static final List<String> NAMES = List.of("fp32", "fp16", "bf16", "fp16-noscale");
    /** The comparison's reference: speedups and accuracy differences are against it. */
    static final String REFERENCE = "fp32";

    /**
     * The runs named by {@code list} (comma-separated), in that order.
     *
     * @param configLossScale the config's {@code loss-scale}, or null when it sets none
     */
    static List<Variant> parse(String list, String configLossScale) {
        Set<String> names = new LinkedHashSet<>();
        for (String raw : list.split(",")) {
            String name = raw.trim().toLowerCase(java.util.Locale.ROOT);
            if (!NAMES.contains(name)) {
                throw new ConfigException("--precisions: unknown '" + raw.trim() + "' (expected a comma-separated list of "
                        + String.join(", ", NAMES) + ")");
            }
            if (!names.add(name)) {
                throw new ConfigException("--precisions: '" + name + "' is listed twice");
            }
        }
        if (!names.contains(REFERENCE)) {
            throw new ConfigException("--precisions must include fp32: speedups and accuracy differences are measured against it");
        }
        List<Variant> variants = new ArrayList<>();
        for (String name : names) {
            variants.add(of(name, configLossScale));
        }
        return variants;
    }

    private static Variant of(String name, String configLossScale) {
        return switch (name) {
            case "fp16" -> new Variant(name, "fp16",
                    configLossScale == null || configLossScale.equalsIgnoreCase("none") ? "dynamic" : configLossScale);
            case "fp16-noscale" -> new Variant(name, "fp16", "none");
            default -> new Variant(name, name, "none");
        };
    }
}
