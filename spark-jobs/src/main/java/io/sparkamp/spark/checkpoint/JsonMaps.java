package io.sparkamp.spark.checkpoint;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.LinkedHashMap;
import java.util.Map;

/** The JSON a checkpoint holds (its manifest, and the config/provenance/extras columns): ordered maps, one line. */
final class JsonMaps {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private JsonMaps() {
    }

    static String write(Map<String, ?> map) {
        try {
            return MAPPER.writeValueAsString(map);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON for " + map.keySet(), e);
        }
    }

    /** A JSON object, its key order kept. */
    static Map<String, Object> read(String json) {
        try {
            return MAPPER.readValue(json, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not a JSON object: " + e.getOriginalMessage());
        }
    }

    /** A JSON object of strings (numbers and booleans read as their text). */
    static Map<String, String> readStrings(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        read(json).forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
        return out;
    }
}
