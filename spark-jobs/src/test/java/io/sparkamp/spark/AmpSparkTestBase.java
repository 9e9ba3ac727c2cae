package io.sparkamp.spark;

import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.data.SparkDataTestBase;
import org.apache.spark.SparkConf;

/**
 * {@link SparkDataTestBase} (local[2], no UI, one context per class) with the job's serializer settings
 * ({@link SparkSessions#applyKryoDefaults}: Kryo and our registrator) made strict: unregistered classes
 * are refused. Tests of training, checkpoints and serialization extend this one, so a class of ours that
 * crosses JVMs unregistered fails them.
 */
public abstract class AmpSparkTestBase extends SparkDataTestBase {
    @Override
    public SparkConf conf() {
        return strictKryo(super.conf());
    }

    /** The job's Kryo defaults with {@code spark.kryo.registrationRequired=true}, as every test runs them. */
    public static SparkConf strictKryo(SparkConf conf) {
        return SparkSessions.applyKryoDefaults(conf).set("spark.kryo.registrationRequired", "true");
    }
}
