package io.sparkamp.spark.datasets;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.data.SyntheticClassification;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Writes a generated classification problem ({@link SyntheticClassification}) as Parquet {@code train/}
 * and {@code test/} directories with {@code label} int and {@code features} array&lt;float&gt;. Same
 * options → same rows in the same order. Train and test share the class centres and draw their rows
 * from two different streams (row seeds 1 and 2).
 */
public final class SyntheticDataWriter {
    static final long TRAIN_STREAM = 1;
    static final long TEST_STREAM = 2;

    /**
     * @param trainRows rows in train/ ({@code --rows})
     * @param testRows  rows in test/
     * @param features  values per row ({@code --features})
     * @param classes   number of classes ({@code --classes})
     * @param noise     standard deviation around a class centre ({@code --noise})
     * @param seed      seed of centres and rows ({@code --seed})
     */
    public record Options(int trainRows, int testRows, int features, int classes, float noise, long seed) {
        public Options {
            check(trainRows > 0, "--rows", "must be positive, got " + trainRows);
            check(testRows > 0, "--test-rows", "must be positive, got " + testRows);
            check(features > 0, "--features", "must be positive, got " + features);
            check(classes >= 2, "--classes", "must be at least 2, got " + classes);
            check(noise >= 0 && Float.isFinite(noise), "--noise", "must be finite and >= 0, got " + noise);
            // SyntheticClassification holds a split in one float array.
            long limit = Integer.MAX_VALUE - 8;
            check((long) trainRows * features <= limit && (long) testRows * features <= limit, "--rows",
                    trainRows + " rows of " + features + " features exceed one Java array (" + limit + " values)");
        }

        /** The quickstart set: {@code rows} train rows, a fifth as many test rows, 64 features, 10 classes. */
        public static Options quickstart(int rows) {
            return new Options(rows, Math.max(1, rows / 5), 64, 10, 0.5f, 42L);
        }

        private static void check(boolean ok, String flag, String what) {
            if (!ok) {
                throw new ConfigException(flag + ": " + what);
            }
        }
    }

    private SyntheticDataWriter() {
    }

    /** Writes {@code outDir/train} and {@code outDir/test}. */
    public static DatasetSummary write(SparkSession spark, String outDir, Options options, boolean overwrite) {
        String train = outDir + "/train";
        String test = outDir + "/test";
        LabeledParquet.requireWritable(spark, train, overwrite);
        LabeledParquet.requireWritable(spark, test, overwrite);
        SyntheticClassification problem = new SyntheticClassification(options.features(), options.classes(),
                options.noise(), options.seed());
        writeSplit(spark, train, problem.generate(options.trainRows(), TRAIN_STREAM), overwrite);
        writeSplit(spark, test, problem.generate(options.testRows(), TEST_STREAM), overwrite);
        return new DatasetSummary(train, options.trainRows(), test, options.testRows(), options.features(),
                options.classes());
    }

    private static void writeSplit(SparkSession spark, String out, ArrayRowSource rows, boolean overwrite) {
        int n = rows.rowCount();
        int width = rows.featureCount();
        float[] x = new float[n * width];
        int[] y = new int[n];
        float[] target = new float[1];
        for (int r = 0; r < n; r++) {
            rows.copyFeatures(r, x, r * width);
            rows.copyTargets(r, target, 0);
            y[r] = (int) target[0];
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Broadcast<float[]> features = jsc.broadcast(x);
        Broadcast<int[]> labels = jsc.broadcast(y);
        try {
            LabeledParquet.write(spark, out, n, i -> {
                float[] row = new float[width];
                System.arraycopy(features.value(), i * width, row, 0, width);
                return RowFactory.create(labels.value()[i], row);
            }, overwrite);
        } finally {
            features.destroy();
            labels.destroy();
        }
    }
}
