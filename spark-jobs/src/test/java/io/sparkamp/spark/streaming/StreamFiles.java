package io.sparkamp.spark.streaming;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Assertions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/**
 * Small labelled Parquet files for the streaming tests, each landing in a watched directory the way
 * producers should write them: written elsewhere, then moved in under its final name (atomic), with a
 * chosen modification time so that the order Spark's file source takes them in is fixed.
 */
public final class StreamFiles {
    public static final int FEATURES = 16;
    public static final int CLASSES = 4;
    public static final String MODEL = "mlp 16-32-4 relu";
    public static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private StreamFiles() {
    }

    /**
     * Labelled rows from Spark's rate source, {@code rowsPerSecond} of them a second: the source's
     * {@code value}, a label (value % 4) and features around a label-dependent mean, like the files'.
     */
    public static Dataset<Row> rateRows(SparkSession spark, int rowsPerSecond) {
        Dataset<Row> rate = spark.readStream().format("rate").option("rowsPerSecond", rowsPerSecond).load();
        StringBuilder features = new StringBuilder("array(");
        for (int j = 0; j < FEATURES; j++) {
            features.append(j == 0 ? "" : ", ").append("cast(sin(value * ").append(j + 1).append(") + IF(value % 4 = ")
                    .append(j % 4).append(", 1.5, 0) AS FLOAT)");
        }
        return rate.selectExpr("value", "CAST(value % 4 AS INT) AS label", features + ") AS features");
    }

    /** Polls {@code done} every 50 ms; fails when the query stops first or after 3 minutes. */
    public static void waitFor(BooleanSupplier done, StreamingQuery query, String what) throws Exception {
        long deadline = System.nanoTime() + 180_000_000_000L;
        while (!done.getAsBoolean()) {
            if (!query.isActive()) {
                query.awaitTermination();
                Assertions.fail("the query stopped while waiting for " + what);
            }
            if (System.nanoTime() > deadline) {
                Assertions.fail("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }

    /** A row spoiler: returns the row to write for index {@code i} (or the row unchanged). */
    public interface Edit {
        Row row(int i, Row row);
    }

    /**
     * Writes {@code rows} rows (labels i % 4, features around a class-dependent mean) as one Parquet file
     * {@code dir/name.parquet} with modification time {@code second} seconds after 2026-01-01.
     */
    public static Path drop(SparkSession spark, Path dir, String name, int rows, long seed, long second, Edit edit) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Row> out = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            int label = i % CLASSES;
            Float[] x = new Float[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                x[j] = (float) (random.nextGaussian() + (j % CLASSES == label ? 1.5 : 0));
            }
            Row row = RowFactory.create(label, x);
            out.add(edit == null ? row : edit.row(i, row));
        }
        try {
            Path staging = Files.createTempDirectory(dir.getParent(), "staging-");
            spark.createDataFrame(out, SCHEMA).coalesce(1).write().mode("overwrite").parquet(staging.toString());
            Path part;
            try (Stream<Path> files = Files.list(staging)) {
                part = files.filter(p -> p.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
            }
            Files.setLastModifiedTime(part, FileTime.fromMillis(1_767_225_600_000L + second * 1000));
            Files.createDirectories(dir);
            Path target = dir.resolve(name + ".parquet");
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
