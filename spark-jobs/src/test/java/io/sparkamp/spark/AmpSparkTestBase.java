package io.sparkamp.spark;

import io.sparkamp.spark.cli.SparkSessions;
import io.sparkamp.spark.data.SparkDataTestBase;
import org.apache.spark.SparkConf;

/**
 * {@link SparkDataTestBase} (local[2], no UI, one context per class) with the job's serializer settings:
 * Kryo, our registrator and {@code spark.kryo.registrationRequired=true}, exactly as
 * {@link SparkSessions#applyKryoDefaults} gives every real job. Tests of training, checkpoints and
 * serialization extend this one, so an unregistered class fails them as it would fail a job.
 */
public abstract class AmpSparkTestBase extends SparkDataTestBase {
    @Override
    public SparkConf conf() {
        return SparkSessions.applyKryoDefaults(super.conf());
    }
}
