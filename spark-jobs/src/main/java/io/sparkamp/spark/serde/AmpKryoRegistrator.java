package io.sparkamp.spark.serde;

import com.esotericsoftware.kryo.Kryo;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.serializer.KryoRegistrator;

/**
 * Registers every class of ours that crosses JVMs through Kryo (task results, broadcasts, cached
 * blocks), so the job runs with {@code spark.kryo.registrationRequired=true}: an unregistered class is
 * a loud error instead of a silent slow path that writes class names into every record.
 */
public final class AmpKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        kryo.register(float[].class);
        kryo.register(short[].class);
        kryo.register(byte[].class);
        kryo.register(long[].class);
        kryo.register(Precision.class);
        kryo.register(GradientPartial.class);
        kryo.register(Evaluation.class);
        kryo.register(WeightsPayload.class);
        kryo.register(CachedBatch.class);
        kryo.register(CachedBatch[].class);
        kryo.register(GradientPartial[].class);
        kryo.register(Evaluation[].class);
        for (String name : SparkClasses.names()) {
            kryo.register(SparkClasses.load(name));
        }
    }
}
