package io.sparkamp.spark.data;

import io.sparkamp.core.config.ConfigException;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Where the training data is and which columns hold the label and the features.
 *
 * <p>Features come either from one column ({@code featuresCol}: an array of numbers or a Spark ML
 * vector) or from several numeric scalar columns ({@code featureCols}, assembled into the feature array
 * in the listed order); never both. A {@code null} {@code featuresCol} with no {@code featureCols} means
 * the default column {@value #DEFAULT_FEATURES}. Errors name the command-line flag that set the value.
 *
 * @param path        file or directory (any Hadoop path or glob), flag {@code --data}
 * @param format      how to read it, flag {@code --format}
 * @param labelCol    numeric label column, flag {@code --label-col}
 * @param featuresCol array or vector feature column, flag {@code --features-col}; null when featureCols is used
 * @param featureCols numeric scalar feature columns, flag {@code --feature-cols}; empty when featuresCol is used
 * @param csvHeader   whether the first CSV line holds the column names (only read for CSV)
 */
public record DataSpec(String path, Format format, String labelCol, String featuresCol, List<String> featureCols,
                       boolean csvHeader) {

    public static final String DEFAULT_LABEL = "label";
    public static final String DEFAULT_FEATURES = "features";

    /** The file formats read through Spark's own data sources. */
    public enum Format {
        PARQUET, CSV, LIBSVM;

        /** Parses a {@code --format} value (case-insensitive). */
        public static Format parse(String value) {
            if (value != null) {
                for (Format f : values()) {
                    if (f.name().equalsIgnoreCase(value.trim())) {
                        return f;
                    }
                }
            }
            throw new ConfigException("--format: unknown data format '" + value + "'; expected parquet, csv or libsvm");
        }

        /** The name Spark's reader knows this format by. */
        public String sparkName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public DataSpec {
        if (path == null || path.isBlank()) {
            throw new ConfigException("--data: a data path is required");
        }
        if (format == null) {
            throw new ConfigException("--format: a data format is required (parquet, csv or libsvm)");
        }
        if (labelCol == null) {
            labelCol = DEFAULT_LABEL;
        }
        if (labelCol.isBlank()) {
            throw new ConfigException("--label-col: the label column name is blank");
        }
        featureCols = featureCols == null ? List.of() : List.copyOf(featureCols);
        if (!featureCols.isEmpty() && featuresCol != null) {
            throw new ConfigException("--features-col '" + featuresCol + "' and --feature-cols " + featureCols
                    + " both given; use --features-col for one array or vector column, or --feature-cols for scalar columns");
        }
        if (featureCols.isEmpty() && featuresCol == null) {
            featuresCol = DEFAULT_FEATURES;
        }
        if (featuresCol != null && featuresCol.isBlank()) {
            throw new ConfigException("--features-col: the features column name is blank");
        }
        Set<String> seen = new HashSet<>();
        for (String c : featureCols) {
            if (c == null || c.isBlank()) {
                throw new ConfigException("--feature-cols: blank column name in " + featureCols);
            }
            if (!seen.add(c)) {
                throw new ConfigException("--feature-cols: column '" + c + "' listed twice in " + featureCols);
            }
            if (c.equals(labelCol)) {
                throw new ConfigException("--feature-cols: column '" + c + "' is also the label column (--label-col)");
            }
        }
        if (labelCol.equals(featuresCol)) {
            throw new ConfigException("--features-col: column '" + featuresCol + "' is also the label column (--label-col)");
        }
        if (format == Format.LIBSVM) {
            // Spark's libsvm source always yields exactly these two columns.
            if (!featureCols.isEmpty()) {
                throw new ConfigException("--feature-cols does not apply to --format libsvm (its features are one vector column)");
            }
            if (!DEFAULT_LABEL.equals(labelCol)) {
                throw new ConfigException("--label-col '" + labelCol + "' does not apply to --format libsvm, whose label column is 'label'");
            }
            if (!DEFAULT_FEATURES.equals(featuresCol)) {
                throw new ConfigException("--features-col '" + featuresCol
                        + "' does not apply to --format libsvm, whose features column is 'features'");
            }
        }
    }

    /** A spec with the default columns ({@value #DEFAULT_LABEL}, {@value #DEFAULT_FEATURES}) and a CSV header. */
    public static DataSpec of(String path, Format format) {
        return new DataSpec(path, format, DEFAULT_LABEL, null, List.of(), true);
    }

    /** This spec with another label column. */
    public DataSpec withLabelCol(String column) {
        return new DataSpec(path, format, column, featureCols.isEmpty() ? featuresCol : null, featureCols, csvHeader);
    }

    /** This spec reading features from one array or vector column. */
    public DataSpec withFeaturesCol(String column) {
        return new DataSpec(path, format, labelCol, column, List.of(), csvHeader);
    }

    /** This spec assembling features from scalar columns, in this order. */
    public DataSpec withFeatureCols(List<String> columns) {
        return new DataSpec(path, format, labelCol, null, columns, csvHeader);
    }

    /** This spec with the CSV header setting changed. */
    public DataSpec withCsvHeader(boolean header) {
        return new DataSpec(path, format, labelCol, featureCols.isEmpty() ? featuresCol : null, featureCols, header);
    }

    /** Whether the features are assembled from scalar columns. */
    public boolean assemblesFeatures() {
        return !featureCols.isEmpty();
    }

    /** The source as messages name it, e.g. {@code parquet data/train}. */
    public String describe() {
        return format.sparkName() + " " + path;
    }
}
