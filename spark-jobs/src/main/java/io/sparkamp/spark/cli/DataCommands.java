package io.sparkamp.spark.cli;

import io.sparkamp.core.config.Setting;
import java.util.List;

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

    static final Setting<String> GENERATE_OUT = Setting.text("out", "output", "data/generated/quickstart", "output directory (train/ and test/)");
    static final Setting<String> CONVERT_OUT = Setting.text("out", "output", "data/fashion-mnist", "output directory (train/ and test/)");
    static final Setting<String> IN = Setting.text("in", "input", FASHION_MNIST_DIR, "directory of the IDX files (gzipped or not)");
    static final Setting<Boolean> OVERWRITE = Setting.flag("overwrite", "output", false, "replace existing output directories");
    static final Setting<Integer> ROWS = Setting.integer("rows", "data", 20000, "training rows").accepting(v -> v > 0, "> 0");
    static final Setting<Integer> TEST_ROWS = Setting.integer("test-rows", "data", null, "test rows")
            .derivedDefault("rows / 5").accepting(v -> v > 0, "> 0");
    static final Setting<Integer> FEATURES = Setting.integer("features", "data", 64, "features per row").accepting(v -> v > 0, "> 0");
    static final Setting<Integer> CLASSES = Setting.integer("classes", "data", 10, "classes").accepting(v -> v >= 2, ">= 2");
    static final Setting<Float> NOISE = Setting.number("noise", "data", 2.5f, "standard deviation of the noise around each class centre")
            .accepting(v -> v >= 0, ">= 0");
    static final Setting<Long> SEED = Setting.longValue("seed", "data", 42L, "generator seed");
    static final Setting<String> MASTER = Setting.text("master", "spark", "local[2]", "Spark master");
    static final List<Setting<?>> GENERATE_SETTINGS = List.of(GENERATE_OUT, ROWS, TEST_ROWS, FEATURES, CLASSES, NOISE, SEED,
            OVERWRITE, MASTER);
    static final List<Setting<?>> CONVERT_SETTINGS = List.of(IN, CONVERT_OUT, OVERWRITE, MASTER);

    private DataCommands() {
    }

    static int generate(Settings s, PrintStream out) {
        SyntheticDataWriter.Options options = generatorOptions(s);
        SparkSession spark = SparkSessions.create(MASTER.get(s), "spark-amp generate");
        try {
            DatasetSummary summary = SyntheticDataWriter.write(spark, GENERATE_OUT.get(s), options, OVERWRITE.get(s));
            print(out, "generate", summary);
            return ExitCodes.OK;
        } finally {
            spark.stop();
        }
    }

    static int convertFashionMnist(Settings s, PrintStream out) {
        SparkSession spark = SparkSessions.create(MASTER.get(s), "spark-amp convert-fashion-mnist");
        try {
            DatasetSummary summary = FashionMnistConverter.convert(spark, Path.of(IN.get(s)), CONVERT_OUT.get(s),
                    OVERWRITE.get(s));
            print(out, "convert-fashion-mnist", summary);
            return ExitCodes.OK;
        } finally {
            spark.stop();
        }
    }

    /** The generator's options: the quickstart's by default, each overridable by a flag. */
    static SyntheticDataWriter.Options generatorOptions(Settings s) {
        int rows = ROWS.get(s);
        return new SyntheticDataWriter.Options(rows, TEST_ROWS.get(s, Math.max(1, rows / 5)), FEATURES.get(s), CLASSES.get(s),
                NOISE.get(s), SEED.get(s));
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
