package io.sparkamp.spark.bench;

import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;

/**
 * Spark MLlib's {@code MultilayerPerceptronClassifier} on the same Parquet data, layers and master: the
 * Spark baseline of the benchmark. Its training set is cached as ML vectors (doubles), as MLlib needs.
 */
final class MllibBaseline {
    private MllibBaseline() {
    }

    /** What one MLlib fit measured, and the BLAS it computed with (netlib's implementation and the library it called). */
    record Result(int iterations, double fitSeconds, double testAccuracy, double cachedBytesPerValue, long rows, String blas,
                  BlasLibrary library) {
        /** "JNIBLAS, OpenBLAS /usr/lib/...", for the report. */
        String blasDescription() {
            String name = blas.substring(blas.lastIndexOf('.') + 1);
            return library.known() ? name + ", " + library.describe() : name;
        }
    }

    static Result run(SparkSession spark, String trainPath, String testPath, int[] layers, int iterations, long seed) {
        Dataset<Row> train = vectors(spark, trainPath).persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> test = vectors(spark, testPath);
        try {
            long rows = train.count();
            double bytesPerValue = storedBytes(spark, train) / ((double) rows * layers[0]);
            MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier()
                    .setLayers(layers).setMaxIter(iterations).setSeed(seed).setBlockSize(128)
                    .setLabelCol("label").setFeaturesCol("features");
            long start = System.nanoTime();
            MultilayerPerceptronClassificationModel model = mlp.fit(train);
            double seconds = (System.nanoTime() - start) / 1e9;
            double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").setLabelCol("label")
                    .evaluate(model.transform(test));
            // After the fit netlib's JNI BLAS has loaded the system's libblas.so.3, if it uses one.
            return new Result(iterations, seconds, accuracy, bytesPerValue, rows, blasName(), BlasLibrary.ofThisProcess());
        } finally {
            train.unpersist(true);
        }
    }

    private static Dataset<Row> vectors(SparkSession spark, String path) {
        return spark.read().parquet(path).select(functions.col("label").cast("double").as("label"),
                org.apache.spark.ml.functions.array_to_vector(functions.col("features")).as("features"));
    }

    private static long storedBytes(SparkSession spark, Dataset<Row> cached) {
        long total = 0;
        for (RDDInfo info : spark.sparkContext().getRDDStorageInfo()) {
            if (info.isCached()) {
                total += info.memSize() + info.diskSize();
            }
        }
        return total;
    }

    /** The BLAS MLlib computes with (native system BLAS or the Java fallback). */
    private static String blasName() {
        try {
            return dev.ludovic.netlib.blas.BLAS.getInstance().getClass().getName();
        } catch (RuntimeException | LinkageError e) {
            return "unknown (" + e + ")";
        }
    }
}
