package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Settings;
import io.sparkamp.spark.datasets.DatasetSummary;
import io.sparkamp.spark.datasets.FashionMnistConverter;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import org.apache.spark.sql.SparkSession;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code amp generate} and {@code amp convert-fashion-mnist}: write Parquet train/ and test/ sets. */
final class DataCommands {
    /** Where the Debian package dataset-fashion-mnist puts the IDX files. */
    static final String FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

    private DataCommands() {
    }

    static int generate(Settings s, PrintStream out) {
        s.requireKnown(Set.of("out", "rows", "test-rows", "features", "classes", "noise", "seed", "overwrite", "master"));
        SyntheticDataWriter.Options options = generatorOptions(s);
        SparkSession spark = SparkSessions.create(s.string("master", "local[2]"), "spark-amp generate");
        try {
            DatasetSummary summary = SyntheticDataWriter.write(spark, s.string("out", "data/generated/quickstart"), options,
                    s.bool("overwrite", false));
            print(out, "generate", summary);
            return ExitCodes.OK;
        } finally {
            spark.stop();
        }
    }

    static int convertFashionMnist(Settings s, PrintStream out) {
        s.requireKnown(Set.of("in", "out", "overwrite", "master"));
        SparkSession spark = SparkSessions.create(s.string("master", "local[2]"), "spark-amp convert-fashion-mnist");
        try {
            DatasetSummary summary = FashionMnistConverter.convert(spark, Path.of(s.string("in", FASHION_MNIST_DIR)),
                    s.string("out", "data/fashion-mnist"), s.bool("overwrite", false));
            print(out, "convert-fashion-mnist", summary);
            return ExitCodes.OK;
        } finally {
            spark.stop();
        }
    }

    /** The generator's options: the quickstart's by default, each overridable by a flag. */
    static SyntheticDataWriter.Options generatorOptions(Settings s) {
        int rows = s.integer("rows", 20000);
        return new SyntheticDataWriter.Options(rows, s.integer("test-rows", Math.max(1, rows / 5)), s.integer("features", 64),
                s.integer("classes", 10), s.number("noise", 2.5f), s.longValue("seed", 42));
    }

    private static void print(PrintStream out, String command, DatasetSummary summary) {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("command", command);
        json.put("train", summary.trainPath());
        json.put("train_rows", summary.trainRows());
        json.put("test", summary.testPath());
        json.put("test_rows", summary.testRows());
        json.put("features", summary.features());
        json.put("classes", summary.classes());
        AmpCli.printSummary(out, json);
    }
}
