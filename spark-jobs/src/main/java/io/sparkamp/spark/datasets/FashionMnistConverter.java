package io.sparkamp.spark.datasets;

import io.sparkamp.core.config.ConfigException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;

/**
 * Converts the Fashion-MNIST IDX files into Parquet {@code train/} and {@code test/} directories with
 * {@code label} int (0..9) and {@code features} array&lt;float&gt; (784 pixels / 255, row-major), rows in
 * the order of the IDX files.
 */
public final class FashionMnistConverter {
    /** Where this machine's Debian package installs the dataset. */
    public static final Path DEFAULT_SOURCE = Path.of("/usr/share/datasets/fashion-mnist");
    public static final int SIDE = 28;
    public static final int FEATURES = SIDE * SIDE;
    public static final int CLASSES = 10;

    private FashionMnistConverter() {
    }

    /**
     * Reads {@code train-*} and {@code t10k-*} IDX files (gzipped or not) from {@code sourceDir} and
     * writes {@code outDir/train} and {@code outDir/test}.
     *
     * @param overwrite replace existing output directories instead of failing
     * @throws ConfigException when a file is missing or malformed (the message names the file) or the output exists
     */
    public static DatasetSummary convert(SparkSession spark, Path sourceDir, String outDir, boolean overwrite) {
        String train = outDir + "/train";
        String test = outDir + "/test";
        LabeledParquet.requireWritable(spark, train, overwrite);
        LabeledParquet.requireWritable(spark, test, overwrite);
        long trainRows = convertSplit(spark, sourceDir, "train", train, overwrite);
        long testRows = convertSplit(spark, sourceDir, "t10k", test, overwrite);
        return new DatasetSummary(train, trainRows, test, testRows, FEATURES, CLASSES);
    }

    private static long convertSplit(SparkSession spark, Path dir, String prefix, String out, boolean overwrite) {
        IdxFile images = IdxFile.read(find(dir, prefix + "-images-idx3-ubyte"), 3);
        IdxFile labels = IdxFile.read(find(dir, prefix + "-labels-idx1-ubyte"), 1);
        int[] dims = images.dims();
        if (dims[1] != SIDE || dims[2] != SIDE) {
            throw new ConfigException("IDX file " + images.file() + ": images are " + dims[1] + "x" + dims[2]
                    + ", Fashion-MNIST images are " + SIDE + "x" + SIDE);
        }
        if (images.count() != labels.count()) {
            throw new ConfigException("IDX files " + images.file() + " and " + labels.file() + " disagree: "
                    + images.count() + " images but " + labels.count() + " labels");
        }
        for (int i = 0; i < labels.count(); i++) {
            if (labels.unsigned(i) >= CLASSES) {
                throw new ConfigException("IDX file " + labels.file() + ": label " + i + " is " + labels.unsigned(i)
                        + ", Fashion-MNIST labels are 0.." + (CLASSES - 1));
            }
        }
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // Raw bytes travel (1 byte per pixel); executors widen them to floats while writing.
        Broadcast<byte[]> pixels = jsc.broadcast(images.data());
        Broadcast<byte[]> classes = jsc.broadcast(labels.data());
        try {
            LabeledParquet.write(spark, out, images.count(), i -> {
                byte[] p = pixels.value();
                float[] row = new float[FEATURES];
                for (int j = 0; j < FEATURES; j++) {
                    row[j] = (p[i * FEATURES + j] & 0xFF) / 255f;
                }
                return RowFactory.create(classes.value()[i] & 0xFF, row);
            }, overwrite);
        } finally {
            pixels.destroy();
            classes.destroy();
        }
        return images.count();
    }

    /** {@code name.gz}, else {@code name}; otherwise an error naming both and what the directory holds. */
    private static Path find(Path dir, String name) {
        for (Path p : new Path[] {dir.resolve(name + ".gz"), dir.resolve(name)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        String listing;
        try (Stream<Path> files = Files.list(dir)) {
            listing = Arrays.toString(files.map(p -> p.getFileName().toString()).sorted().toArray());
        } catch (IOException e) {
            listing = "(cannot list " + dir + ": " + e.getMessage() + ")";
        }
        throw new ConfigException("Fashion-MNIST file " + dir.resolve(name + ".gz") + " not found (nor without .gz); "
                + dir + " holds " + listing);
    }
}
