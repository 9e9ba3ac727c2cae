package io.sparkamp.spark.compare;

import java.util.Map;

/**
 * One finished run of a comparison: what it was, the summary the train command returned and its
 * metrics file read back.
 */
record RunResult(Variant variant, Map<String, Object> summary, RunMetrics metrics) {

    double number(String key) {
        return summary.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    String text(String key) {
        Object v = summary.get(key);
        return v == null ? "n/a" : v.toString();
    }
}
