package io.sparkamp.spark.checkpoint;

import io.sparkamp.spark.json.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/** The string maps a checkpoint holds as JSON objects (config, provenance, extras, the lock's holder). */
final class JsonMaps {
    private JsonMaps() {
    }

    /** A JSON object of strings, its key order kept (numbers and booleans read as their text). */
    static Map<String, String> readStrings(String json) {
        Map<String, String> out = new LinkedHashMap<>();
        Json.parse(json).forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
        return out;
    }
}
