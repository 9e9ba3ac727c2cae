package io.sparkamp.spark.datasets;

/**
 * What a converter or generator wrote: two Parquet directories with the columns {@code label} int and
 * {@code features} array&lt;float&gt;.
 */
public record DatasetSummary(String trainPath, long trainRows, String testPath, long testRows, int features,
                             int classes) {
    @Override
    public String toString() {
        return "train " + trainPath + " (" + trainRows + " rows), test " + testPath + " (" + testRows + " rows), "
                + features + " features, " + classes + " classes";
    }
}
