package io.sparkamp.spark.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.Map;

/**
 * One-line JSON of ordered maps (Jackson, which Spark already ships), for summaries, metrics lines and
 * checkpoint manifests; non-finite numbers become null (JSON has no NaN).
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private Json() {
    }

    public static String line(Map<String, ?> fields) {
        Map<String, Object> clean = new java.util.LinkedHashMap<>();
        fields.forEach((k, v) -> clean.put(k, finiteOrNull(v)));
        try {
            return MAPPER.writeValueAsString(clean);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + fields.keySet(), e);
        }
    }

    /** Parses a JSON object written by {@link #line}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parse(String json) {
        try {
            return MAPPER.readValue(json, Map.class);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage());
        }
    }

    private static Object finiteOrNull(Object v) {
        if (v instanceof Double d && !Double.isFinite(d)) {
            return null;
        }
        if (v instanceof Float f && !Float.isFinite(f)) {
            return null;
        }
        return v;
    }
}
