import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Splits a Parquet training set into N files of equal size (a benchmark aid for bin/stream-bench):
 * java -cp CLASSPATH bin/StreamBenchFiles.java IN OUT FILES ROWS_PER_FILE
 */
public class StreamBenchFiles {
    public static void main(String[] args) {
        int files = Integer.parseInt(args[2]);
        int rows = Integer.parseInt(args[3]);
        SparkSession spark = SparkSession.builder().master("local[2]").appName("stream-bench files")
                .config("spark.ui.enabled", "false").getOrCreate();
        Dataset<Row> all = spark.read().parquet(args[0]).orderBy("label", "features").limit(files * rows);
        all.repartition(files).write().mode("overwrite").parquet(args[1]);
        spark.stop();
    }
}
