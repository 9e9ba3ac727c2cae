package io.sparkamp.spark.data;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.size;

import io.sparkamp.core.config.ConfigException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;

/**
 * Reads a {@link DataSpec} with Spark's own sources into a {@link TrainingTable}: {@code label} float and
 * {@code features} array&lt;float&gt;. Checks the schema (columns exist, are numeric); row values are
 * {@link DataValidator}'s business.
 */
public final class DatasetReader {
    private DatasetReader() {
    }

    /**
     * Reads the data and counts its rows (one Spark job, plus the scans Spark itself needs to infer a
     * CSV or libsvm schema).
     *
     * @throws ConfigException when the path does not exist, a column is missing or a column is not numeric
     */
    public static TrainingTable read(SparkSession spark, DataSpec spec) {
        return fromFrame(readRaw(spark, spec), spec, spec.describe());
    }

    /**
     * A DataFrame that is already loaded (e.g. one micro-batch of a stream) as a training table, with its
     * columns chosen and checked as {@code spec} says; messages name the data as {@code source}.
     */
    public static TrainingTable fromFrame(Dataset<Row> raw, DataSpec spec, String source) {
        StructType schema = sourceSchema(raw);

        StructField label = field(schema, spec.labelCol(), "--label-col", source);
        if (!(label.dataType() instanceof NumericType)) {
            requireRows(raw, spec);
            throw new ConfigException("label column '" + label.name() + "' in " + source + " has type "
                    + label.dataType().simpleString() + "; it must be numeric (--label-col)");
        }
        Column labelOut = column(label.name()).cast(DataTypes.FloatType).as(TrainingTable.LABEL);

        Column featuresOut;
        try {
            featuresOut = featuresColumn(schema, spec, source).as(TrainingTable.FEATURES);
        } catch (ConfigException e) {
            requireRows(raw, spec); // a CSV with a header and no rows has only string columns: say "no rows" first
            throw e;
        }
        List<String> featureColumns = spec.assemblesFeatures() ? spec.featureCols() : List.of(spec.featuresCol());

        Dataset<Row> data = hasMalformedColumn(raw)
                ? raw.select(labelOut, featuresOut, column(TrainingTable.MALFORMED))
                : raw.select(labelOut, featuresOut);
        Row stats = data.agg(count(lit(1)), coalesce(max(size(data.col(TrainingTable.FEATURES))), lit(0))).head();
        long rows = stats.getLong(0);
        int featureCount = Math.max(0, stats.getInt(1));
        return new TrainingTable(data, featureCount, rows, source, label.name(), featureColumns,
                spec.assemblesFeatures());
    }

    /**
     * The source as Spark reads it, every column as it is (no selection, no count); a CSV source also has
     * the column {@value TrainingTable#MALFORMED} holding the text of each malformed record.
     *
     * @throws ConfigException when the path does not exist or Spark cannot read it in the given format
     */
    public static Dataset<Row> readRaw(SparkSession spark, DataSpec spec) {
        requireExists(spark, spec.path());
        return load(spark, spec);
    }

    /**
     * The features of {@code spec} as one {@code array<float>} column of {@code schema}: the array or vector
     * column, or the scalar columns assembled in order; messages name the data as {@code source}.
     *
     * @throws ConfigException when a column is missing or has a type that cannot hold features
     */
    public static Column featuresColumn(StructType schema, DataSpec spec, String source) {
        if (!spec.assemblesFeatures()) {
            return featureArray(field(schema, spec.featuresCol(), "--features-col", source), source);
        }
        List<Column> parts = new ArrayList<>();
        for (String name : spec.featureCols()) {
            StructField f = field(schema, name, "--feature-cols", source);
            if (!(f.dataType() instanceof NumericType)) {
                throw new ConfigException("feature column '" + f.name() + "' in " + source + " has type "
                        + f.dataType().simpleString() + "; --feature-cols takes numeric scalar columns"
                        + (isArrayOrVector(f.dataType()) ? " (use --features-col for an array or vector column)" : ""));
            }
            parts.add(column(f.name()).cast(DataTypes.FloatType));
        }
        return array(parts.toArray(new Column[0]));
    }

    /**
     * Before blaming a column's type: a CSV file with a header and no rows has only string columns,
     * and "no rows" is what the user needs to hear.
     */
    private static void requireRows(Dataset<Row> raw, DataSpec spec) {
        if (raw.isEmpty()) {
            throw DataValidationException.empty(spec.describe());
        }
    }

    private static Dataset<Row> load(SparkSession spark, DataSpec spec) {
        try {
            return switch (spec.format()) {
                // Pages carry CRCs (Spark writes them): check them, so a flipped byte is an error, not a value.
                case PARQUET -> spark.read().option("parquet.page.verify-checksum.enabled", true).parquet(spec.path());
                case CSV -> csv(spark, spec);
                case LIBSVM -> spark.read().format("libsvm").load(spec.path());
            };
        } catch (Exception e) {
            // AnalysisException is thrown by Scala code and so is not declared; catch it by type here.
            if (e instanceof AnalysisException) {
                throw new ConfigException("cannot read " + spec.describe() + " (--data, --format): " + e.getMessage());
            }
            throw e;
        }
    }

    /**
     * CSV in two passes: Spark infers the column types, then reads with those types plus a column that
     * receives the raw text of every record with more or fewer fields than the header, or a value that
     * does not parse (Spark's default mode would fill or drop them silently). Column pruning is off so
     * that every field is parsed and counted even when only some columns are used.
     */
    private static Dataset<Row> csv(SparkSession spark, DataSpec spec) {
        StructType inferred = spark.read()
                .option("header", spec.csvHeader())
                .option("inferSchema", true)
                .csv(spec.path())
                .schema();
        return spark.read()
                .option("header", spec.csvHeader())
                .option("mode", "PERMISSIVE")
                .option("columnNameOfCorruptRecord", TrainingTable.MALFORMED)
                .option("columnPruning", false)
                .schema(inferred.add(TrainingTable.MALFORMED, DataTypes.StringType, true))
                .csv(spec.path());
    }

    private static boolean hasMalformedColumn(Dataset<Row> raw) {
        return Arrays.asList(raw.columns()).contains(TrainingTable.MALFORMED);
    }

    /** The source's own columns (without the malformed-record column the reader adds). */
    private static StructType sourceSchema(Dataset<Row> raw) {
        StructType schema = new StructType();
        for (StructField f : raw.schema().fields()) {
            if (!f.name().equals(TrainingTable.MALFORMED)) {
                schema = schema.add(f);
            }
        }
        return schema;
    }

    private static void requireExists(SparkSession spark, String path) {
        Path p = new Path(path);
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            FileStatus[] matches = fs.globStatus(p);
            if (matches == null || matches.length == 0) {
                throw new ConfigException("--data: path does not exist: " + path);
            }
        } catch (IOException e) {
            throw new ConfigException("--data: cannot access " + path + ": " + e.getMessage());
        }
    }

    /** The field named exactly {@code name}, or an error naming the column, the source and the columns there are. */
    private static StructField field(StructType schema, String name, String flag, String source) {
        for (StructField f : schema.fields()) {
            if (f.name().equals(name)) {
                return f;
            }
        }
        String hint = "";
        for (StructField f : schema.fields()) {
            if (f.name().equalsIgnoreCase(name)) {
                hint = " (did you mean '" + f.name() + "'?)";
            }
        }
        throw new ConfigException("column '" + name + "' (" + flag + ") not found in " + source + hint
                + "; its columns are " + Arrays.toString(schema.fieldNames()));
    }

    private static Column featureArray(StructField f, String source) {
        DataType type = f.dataType();
        if (type instanceof ArrayType a && a.elementType() instanceof NumericType) {
            return column(f.name()).cast(DataTypes.createArrayType(DataTypes.FloatType, true));
        }
        if (isVector(type)) {
            // Sparse vectors become dense arrays here: the trainer reads dense rows.
            return org.apache.spark.ml.functions.vector_to_array(column(f.name()), "float32");
        }
        throw new ConfigException("features column '" + f.name() + "' in " + source + " has type "
                + type.simpleString() + "; --features-col takes an array of numbers or a Spark ML vector"
                + (type instanceof NumericType ? " (use --feature-cols for numeric scalar columns)" : ""));
    }

    /** Whether {@code type} is a Spark ML (or old MLlib) vector column. */
    public static boolean isVector(DataType type) {
        if (!(type instanceof UserDefinedType<?> udt)) {
            return false;
        }
        Class<?> c = udt.userClass();
        return org.apache.spark.ml.linalg.Vector.class.isAssignableFrom(c)
                || org.apache.spark.mllib.linalg.Vector.class.isAssignableFrom(c);
    }

    private static boolean isArrayOrVector(DataType type) {
        return type instanceof ArrayType || isVector(type);
    }

    /** A column by its exact name, even when the name holds dots or backticks. */
    private static Column column(String name) {
        return org.apache.spark.sql.functions.col("`" + name.replace("`", "``") + "`");
    }
}
