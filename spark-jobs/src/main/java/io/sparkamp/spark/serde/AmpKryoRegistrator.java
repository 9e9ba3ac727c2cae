package io.sparkamp.spark.serde;

import com.esotericsoftware.kryo.Kryo;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.data.RowChecks;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every class of ours that crosses JVMs through Kryo (task results, broadcasts, cached
 * blocks), so Kryo writes a small id instead of a class name into every record. The project's tests
 * run with {@code spark.kryo.registrationRequired=true}, where a class of ours left out is a loud error.
 */
public final class AmpKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(float[].class);
        kryo.register(short[].class);
        kryo.register(byte[].class);
        kryo.register(long[].class);
        kryo.register(int[].class);
        kryo.register(String[].class);
        kryo.register(Precision.class);
        kryo.register(GradientPartial.class);
        kryo.register(Evaluation.class);
        kryo.register(WeightsPayload.class);
        kryo.register(CachedBatch.class);
        kryo.register(RowChecks.Findings.class);
        kryo.register(RowChecks.Findings[].class);
        kryo.register(CachedBatch[].class);
        kryo.register(GradientPartial[].class);
        kryo.register(Evaluation[].class);
        for (String name : SparkClasses.names()) {
            kryo.register(SparkClasses.load(name));
        }
    }
}
