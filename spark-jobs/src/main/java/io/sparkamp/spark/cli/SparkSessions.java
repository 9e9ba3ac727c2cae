package io.sparkamp.spark.cli;

import io.sparkamp.spark.serde.AmpKryoRegistrator;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Creates the job's SparkSession. The master comes from --master, else from spark-submit (which sets
 * spark.master), else local[*]; an app launched by spark-submit never overrides it. Kryo with our
 * registrator is the default unless the user configured a serializer.
 */
public final class SparkSessions {
    private SparkSessions() {
    }

    public static SparkSession create(String masterFlag, String appName) {
        SparkConf conf = new SparkConf();
        if (masterFlag != null) {
            conf.setMaster(masterFlag);
        } else if (!conf.contains("spark.master")) {
            conf.setMaster("local[*]");
        }
        conf.setAppName(appName);
        applyKryoDefaults(conf);
        conf.setIfMissing("spark.ui.showConsoleProgress", "false");
        // A training row is an array of hundreds of values, and Parquet's vectorized reader buffers a batch of
        // rows per task (4096 by default: at 1024 features 16 MB of floats and twice that in nesting levels).
        // 1024-row batches let executors with small heaps read wide training data.
        conf.setIfMissing("spark.sql.parquet.columnarReaderBatchSize", "1024");
        // Gradient partials are a few MB; returning them directly skips a block-manager round trip per task.
        conf.setIfMissing("spark.task.maxDirectResultSize", "64m");
        return SparkSession.builder().config(conf).getOrCreate();
    }

    /**
     * Kryo with our registrator. {@code spark.kryo.registrationRequired} is left as the user has it (off by
     * default): Spark's own code paths (CSV and JSON schema inference, joins, ML stages) send Spark
     * classes that no hand-kept list covers, and a user's session must not fail on them. The project's
     * tests turn it on, where it proves that our own classes are registered.
     */
    public static SparkConf applyKryoDefaults(SparkConf conf) {
        conf.setIfMissing("spark.serializer", "org.apache.spark.serializer.KryoSerializer");
        conf.setIfMissing("spark.kryo.registrator", AmpKryoRegistrator.class.getName());
        return conf;
    }
}
