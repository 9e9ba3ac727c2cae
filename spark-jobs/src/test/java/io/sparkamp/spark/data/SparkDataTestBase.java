package io.sparkamp.spark.data;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * spark-testing-base's DataFrame suite ({@code spark()}, {@code sc()}, {@code jsc()}, {@code sqlContext()},
 * {@code assertDataFrameEquals} and the other DataFrame assertions) run by JUnit 5, set up for these
 * tests: local[2], no UI, no Hive (nothing here uses tables), two shuffle partitions. One SparkContext
 * per test class.
 *
 * <p>spark-testing-base drives its session with JUnit 4 annotations, which JUnit 5 does not see, so the
 * two lifecycle calls are made here: the context is started before each test if none is running (a
 * no-op after the first test of a class, so a subclass's own {@code @BeforeEach} already has
 * {@code spark()}) and stopped after the class's last test.
 *
 * <p>The {@code newFolder}/{@code newFile} helpers make fresh entries under a JUnit {@code @TempDir},
 * for tests that need several directories (each Spark write wants its own).
 */
public abstract class SparkDataTestBase extends JavaDataFrameSuiteBase {
    @Override
    public SparkConf conf() {
        return new SparkConf()
                .setMaster("local[2]")
                .setAppName(getClass().getSimpleName())
                .set("spark.ui.enabled", "false")
                .set("spark.sql.shuffle.partitions", "2");
    }

    @Override
    public boolean enableHiveSupport() {
        return false;
    }

    @BeforeEach
    void startSparkIfStopped() {
        runBefore();
    }

    @AfterAll
    static void stopSpark() {
        runAfterClass();
    }

    /** A new, uniquely named empty directory under {@code root}. */
    protected static File newFolder(Path root) throws IOException {
        return Files.createTempDirectory(root, "dir").toFile();
    }

    /** A new empty directory {@code root/name}; fails if it exists. */
    protected static File newFolder(Path root, String name) throws IOException {
        return Files.createDirectory(root.resolve(name)).toFile();
    }

    /** A new empty file {@code root/name}; fails if it exists. */
    protected static File newFile(Path root, String name) throws IOException {
        return Files.createFile(root.resolve(name)).toFile();
    }
}
