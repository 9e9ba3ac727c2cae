package io.sparkamp.spark.streaming;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.ReadFailures;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.streaming.DataStreamReader;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.Optional;

/**
 * The streaming DataFrame a {@link StreamConfig} describes, read by Spark's own sources: files landing in
 * a directory (parquet, csv, json; Spark remembers which files each micro-batch took in its stream
 * checkpoint), or JSON records from a Kafka topic through Spark's Kafka source (the user adds
 * {@code org.apache.spark:spark-sql-kafka-0-10_2.12}). Files must appear atomically (written elsewhere or under
 * a name starting with '_' or '.', then renamed): the file source reads a file as soon as it is listed.
 */
public final class StreamSources {
    /** The Kafka source's artifact, for the error when it is missing. */
    public static final String KAFKA_ARTIFACT = "org.apache.spark:spark-sql-kafka-0-10_2.12:" + org.apache.spark.package$.MODULE$.SPARK_VERSION();

    private StreamSources() {
    }

    /** The stream of {@code config}'s source. */
    public static Dataset<Row> open(SparkSession spark, StreamConfig config) {
        if (config.format().equals("kafka")) {
            return kafka(spark, config, ddl(config.schema()));
        }
        return files(spark, config.format(), config.data(), config.schema(), config.csvHeader(), config.maxFilesPerTrigger());
    }

    /**
     * Files landing in {@code data}: parquet, csv or json, with the columns of {@code schemaDdl} (Spark DDL; null
     * for parquet and json takes them from the files present now), at most {@code maxFilesPerTrigger} files per
     * micro-batch (0 = no limit).
     */
    public static Dataset<Row> files(SparkSession spark, String format, String data, String schemaDdl, boolean csvHeader,
                                     int maxFilesPerTrigger) {
        StructType schema = schemaDdl == null ? null : ddl(schemaDdl);
        try {
            DataStreamReader reader = spark.readStream().schema(schema == null ? schemaOfFilesPresent(spark, format, data) : schema);
            if (maxFilesPerTrigger > 0) {
                reader = reader.option("maxFilesPerTrigger", maxFilesPerTrigger);
            }
            return switch (format) {
                case "csv" -> reader.option("header", csvHeader).csv(data);
                case "json" -> reader.json(data);
                default -> reader.parquet(data);
            };
        } catch (Exception e) {
            if (e instanceof AnalysisException) { // thrown by Scala code, so not declared
                throw new ConfigException("cannot read " + format + " " + data + " as a stream: " + e.getMessage());
            }
            throw e;
        }
    }

    /**
     * The stream's files as a batch reader names them in its errors (parquet and csv), or empty (json: rows
     * that do not parse are bad rows, which validation names; kafka: no files).
     */
    static Optional<DataSpec> fileSpec(String format, String data, boolean csvHeader) {
        if (!format.equals("parquet") && !format.equals("csv")) {
            return Optional.empty();
        }
        return Optional.of(new DataSpec(data, DataSpec.Format.parse(format), null, null, null, csvHeader));
    }

    private static Dataset<Row> kafka(SparkSession spark, StreamConfig config, StructType schema) {
        Dataset<Row> records;
        try {
            records = spark.readStream().format("kafka")
                    .option("kafka.bootstrap.servers", config.kafkaServers())
                    .option("subscribe", config.data())
                    .load();
        } catch (Exception e) {
            if (e.getMessage() != null && e.getMessage().contains("kafka")) {
                throw new ConfigException("format kafka needs Spark's Kafka source on the classpath"
                        + " (spark-submit --packages " + KAFKA_ARTIFACT + ")");
            }
            throw e;
        }
        return records.select(functions.from_json(records.col("value").cast("string"), schema).as("r")).select("r.*");
    }

    /** Parquet and JSON: the schema of the files in the directory now (a stream needs it up front). */
    private static StructType schemaOfFilesPresent(SparkSession spark, String format, String data) {
        Path dir = new Path(data);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.isDirectory(dir)) {
                throw new ConfigException("--data: " + data + " is not a directory (a stream watches a directory"
                        + " for new files)");
            }
            boolean any = false;
            for (FileStatus f : fs.listStatus(dir)) {
                String name = f.getPath().getName();
                any |= f.isFile() && !name.startsWith("_") && !name.startsWith(".");
            }
            if (!any) {
                throw new ConfigException("--data: no files in " + data + " to take the stream's columns from;"
                        + " give --schema (Spark DDL, e.g. 'label INT, features ARRAY<FLOAT>')");
            }
        } catch (IOException e) {
            throw new ConfigException("--data: cannot list " + data + ": " + e.getMessage());
        }
        try {
            return format.equals("json") ? spark.read().json(data).schema() : spark.read().parquet(data).schema();
        } catch (Exception e) { // a file there that cannot be read is named (Spark's job failures are checked, undeclared)
            Optional<DataSpec> files = fileSpec(format, data, false);
            if (files.isEmpty()) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
            throw ReadFailures.translate(e, spark, files.get());
        }
    }

    private static StructType ddl(String text) {
        try {
            return StructType.fromDDL(text);
        } catch (Exception e) {
            throw new ConfigException("schema: not a Spark DDL column list ('label INT, x1 DOUBLE'): " + text + " ("
                    + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
