package io.sparkamp.spark.executor;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;

/**
 * The working weights as they travel to executors in a broadcast: 16-bit codes in mixed runs (half
 * the bytes of FP32), FP32 values otherwise. Cast once on the driver per step.
 */
public final class WeightsPayload {
    private Precision precision;
    private short[] codes;
    private float[] values;
    /** Decoded once per executor and shared by its tasks (transient: never serialized). */
    private transient volatile WorkingWeights decoded;

    /** Kryo needs a no-argument constructor. */
    WeightsPayload() {
    }

    private WeightsPayload(Precision precision, short[] codes, float[] values) {
        this.precision = precision;
        this.codes = codes;
        this.values = values;
    }

    /** The payload of weights cast on the driver. */
    public static WeightsPayload of(WorkingWeights weights) {
        return weights.precision().isLow()
                ? new WeightsPayload(weights.precision(), weights.codes(), null)
                : new WeightsPayload(Precision.FP32, null, weights.values());
    }

    /** The working weights on the executor side, decoded by the first task that asks and shared (read-only). */
    public WorkingWeights toWorkingWeights() {
        WorkingWeights w = decoded;
        if (w == null) {
            synchronized (this) {
                w = decoded;
                if (w == null) {
                    w = precision.isLow() ? WorkingWeights.fromCodes(codes, precision) : WorkingWeights.fromFloats(values);
                    decoded = w;
                }
            }
        }
        return w;
    }

    /** Bytes of weight data carried (for the broadcast-size metric). */
    public long bytes() {
        return precision.isLow() ? 2L * codes.length : 4L * values.length;
    }
}
