package io.sparkamp.spark.datasets;

import io.sparkamp.core.config.ConfigException;
import java.io.IOException;
import java.io.Serializable;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Writes rows of {@code label} int and {@code features} array&lt;float&gt; to Parquet, in row order. */
public final class LabeledParquet {
    static final StructType SCHEMA = new StructType()
            .add("label", DataTypes.IntegerType, false)
            .add("features", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    /** About 20 MB of Parquet per file at 784 features: small enough to split work, few enough to list fast. */
    static final int ROWS_PER_FILE = 20_000;

    /** Builds row {@code i}; runs on executors, so it may only capture serializable values (broadcasts). */
    interface RowMaker extends Serializable {
        Row row(int i);
    }

    private LabeledParquet() {
    }

    /** Fails, naming the path, when {@code path} exists and may not be replaced. */
    public static void requireWritable(SparkSession spark, String path, boolean overwrite) {
        if (overwrite) {
            return;
        }
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p)) {
                throw new ConfigException("--out: " + path + " already exists; remove it or ask to overwrite it");
            }
        } catch (IOException e) {
            throw new ConfigException("--out: cannot access " + path + ": " + e.getMessage());
        }
    }

    /** Writes rows 0..rows-1 to {@code path}: partitions, and so files part-00000.., follow row order. */
    static void write(SparkSession spark, String path, int rows, RowMaker maker, boolean overwrite) {
        int files = Math.max(1, (rows + ROWS_PER_FILE - 1) / ROWS_PER_FILE);
        spark.range(0, rows, 1, files)
                .map((MapFunction<Long, Row>) i -> maker.row(Math.toIntExact(i)), Encoders.row(SCHEMA))
                .write()
                .mode(overwrite ? SaveMode.Overwrite : SaveMode.ErrorIfExists)
                .parquet(path);
    }
}
