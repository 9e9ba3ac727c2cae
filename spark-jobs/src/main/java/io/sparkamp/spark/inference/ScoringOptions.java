package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.numeric.Precision;

import java.util.List;

/**
 * How to score a DataFrame: where the features are, what to call the output columns (Spark ML's names
 * by default; an empty name leaves that column out, as in Spark ML), the precision to compute in (null:
 * the precision the model trained in) and how many rows go through the network at once.
 *
 * @param featuresCol      Spark ML vector or {@code array<numeric>} column; used when featureCols is empty
 * @param featureCols      numeric scalar columns assembled in this order, or empty
 * @param predictionCol    double column: class index, or the regression value
 * @param probabilityCol   vector column of class probabilities (classifiers)
 * @param rawPredictionCol vector column of logits (classifiers)
 * @param precision        fp32, fp16 or bf16 for the matrix multiplies; null for the model's own
 * @param batchRows        rows per forward pass
 */
public record ScoringOptions(String featuresCol, List<String> featureCols, String predictionCol, String probabilityCol,
                             String rawPredictionCol, Precision precision, int batchRows) {
    /** Rows per forward pass unless set: enough to keep the GEMM kernels busy, small enough for any heap. */
    public static final int DEFAULT_BATCH_ROWS = 1024;

    public ScoringOptions {
        featureCols = featureCols == null ? List.of() : List.copyOf(featureCols);
        if (featureCols.isEmpty() && (featuresCol == null || featuresCol.isBlank())) {
            throw new ConfigException("featuresCol: a features column is required (or feature columns to assemble)");
        }
        if (predictionCol == null || predictionCol.isBlank()) {
            throw new ConfigException("predictionCol: the prediction column name is blank");
        }
        probabilityCol = probabilityCol == null ? "" : probabilityCol;
        rawPredictionCol = rawPredictionCol == null ? "" : rawPredictionCol;
        if (batchRows <= 0) {
            throw new ConfigException("batch rows must be positive, got " + batchRows);
        }
    }

    /** Spark ML's column names, features in "features", the model's precision. */
    public static ScoringOptions defaults() {
        return new ScoringOptions("features", List.of(), "prediction", "probability", "rawPrediction", null, DEFAULT_BATCH_ROWS);
    }

    public ScoringOptions withFeaturesCol(String column) {
        return new ScoringOptions(column, List.of(), predictionCol, probabilityCol, rawPredictionCol, precision, batchRows);
    }

    public ScoringOptions withFeatureCols(List<String> columns) {
        return new ScoringOptions(featuresCol, columns, predictionCol, probabilityCol, rawPredictionCol, precision, batchRows);
    }

    public ScoringOptions withOutputCols(String prediction, String probability, String rawPrediction) {
        return new ScoringOptions(featuresCol, featureCols, prediction, probability, rawPrediction, precision, batchRows);
    }

    public ScoringOptions withPrecision(Precision p) {
        return new ScoringOptions(featuresCol, featureCols, predictionCol, probabilityCol, rawPredictionCol, p, batchRows);
    }

    public ScoringOptions withBatchRows(int rows) {
        return new ScoringOptions(featuresCol, featureCols, predictionCol, probabilityCol, rawPredictionCol, precision, rows);
    }
}
