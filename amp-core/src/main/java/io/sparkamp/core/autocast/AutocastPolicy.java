package io.sparkamp.core.autocast;

import io.sparkamp.core.numeric.Precision;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.StringJoiner;

/**
 * Which precision each op class computes in, as data (docs/architecture.md §2): matrix multiplies take
 * low-precision inputs and accumulate in FP32; reductions, exponentials, norms and losses run in FP32.
 * Pointwise ops run in the precision of their input. In an FP32 run every class computes in FP32.
 */
public final class AutocastPolicy {
    private final Precision lowPrecision;
    private final Map<OpClass, Precision> computePrecision;

    private AutocastPolicy(Precision lowPrecision, Map<OpClass, Precision> computePrecision) {
        this.lowPrecision = lowPrecision;
        this.computePrecision = Collections.unmodifiableMap(computePrecision);
    }

    /** The standard policy for a run in {@code precision}. */
    public static AutocastPolicy forPrecision(Precision precision) {
        Map<OpClass, Precision> rules = new EnumMap<>(OpClass.class);
        for (OpClass op : OpClass.values()) {
            rules.put(op, Precision.FP32);
        }
        rules.put(OpClass.MATMUL, precision);
        rules.put(OpClass.POINTWISE, precision);
        return new AutocastPolicy(precision, rules);
    }

    /** The run's low precision (FP32 when the run is not mixed). */
    public Precision lowPrecision() {
        return lowPrecision;
    }

    /** The precision {@code op} computes in. */
    public Precision precisionOf(OpClass op) {
        return computePrecision.get(op);
    }

    /** True when {@code op} takes 16-bit inputs in this policy. */
    public boolean isLow(OpClass op) {
        return precisionOf(op).isLow();
    }

    /** The whole table, e.g. for a log line. */
    public Map<OpClass, Precision> rules() {
        return computePrecision;
    }

    @Override
    public String toString() {
        StringJoiner joiner = new StringJoiner(", ", "autocast[" + lowPrecision.label() + ": ", "]");
        computePrecision.forEach((op, p) -> joiner.add(op.name().toLowerCase() + "=" + p.label()));
        return joiner.toString();
    }
}
