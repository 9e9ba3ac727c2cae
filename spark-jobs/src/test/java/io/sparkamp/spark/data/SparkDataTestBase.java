package io.sparkamp.spark.data;

import com.holdenkarau.spark.testing.JavaDataFrameSuiteBase;
import org.apache.spark.SparkConf;

/**
 * spark-testing-base's JUnit 4 DataFrame suite, set up for these tests: local[2], no UI, no Hive
 * (nothing here uses tables), two shuffle partitions. One SparkContext per test class.
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
}
