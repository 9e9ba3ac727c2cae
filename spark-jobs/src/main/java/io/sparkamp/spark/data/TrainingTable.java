package io.sparkamp.spark.data;

import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Training rows in the one shape the trainer reads: exactly the columns {@code label} (float) and
 * {@code features} (array&lt;float&gt;), in the source's read order.
 *
 * <p>It also remembers which source columns the two came from, so that validation errors can name
 * the user's columns rather than ours. A text source (CSV) also carries {@value #MALFORMED}: the raw
 * text of each record the reader could not split into the expected fields or values (null for good
 * records), which validation refuses and training never sees.
 */
public final class TrainingTable {
    public static final String LABEL = "label";
    public static final String FEATURES = "features";
    /** Raw text of a malformed source record, null for well-formed ones. */
    public static final String MALFORMED = "_amp_malformed_record";

    private final Dataset<Row> checked;
    private final Dataset<Row> data;
    private final int featureCount;
    private final long rowCount;
    private final String source;
    private final String labelColumn;
    private final List<String> featureColumns;
    private final boolean assembled;

    /**
     * @param data           rows with the columns {@code label} float and {@code features} array&lt;float&gt;,
     *                       optionally followed by {@value #MALFORMED} string
     * @param featureCount   length of the longest feature array (0 when there are no rows); validation checks every row
     * @param rowCount       number of rows
     * @param source         the source as messages name it, e.g. {@code parquet data/train}
     * @param labelColumn    source column of the label
     * @param featureColumns source column of the features, or the scalar columns they were assembled from
     * @param assembled      whether features were assembled from {@code featureColumns}, one value per column
     */
    public TrainingTable(Dataset<Row> data, int featureCount, long rowCount, String source, String labelColumn,
                         List<String> featureColumns, boolean assembled) {
        String[] columns = data.columns();
        boolean shape = columns.length >= 2 && LABEL.equals(columns[0]) && FEATURES.equals(columns[1])
                && (columns.length == 2 || columns.length == 3 && MALFORMED.equals(columns[2]));
        if (!shape) {
            throw new IllegalArgumentException("a training table needs the columns [label, features] (and optionally "
                    + MALFORMED + "), got " + String.join(", ", columns));
        }
        this.checked = data;
        this.data = columns.length == 2 ? data : data.select(LABEL, FEATURES);
        this.featureCount = featureCount;
        this.rowCount = rowCount;
        this.source = source;
        this.labelColumn = labelColumn;
        this.featureColumns = List.copyOf(featureColumns);
        this.assembled = assembled;
    }

    /** The rows as the trainer reads them: exactly {@code label} and {@code features}. */
    public Dataset<Row> data() {
        return data;
    }

    /** The rows as validation checks them: {@link #data()} plus {@value #MALFORMED} when the source has it. */
    Dataset<Row> checkedRows() {
        return checked;
    }

    /** Whether the source reports malformed records in {@value #MALFORMED}. */
    boolean reportsMalformedRecords() {
        return checked != data;
    }

    public int featureCount() {
        return featureCount;
    }

    public long rowCount() {
        return rowCount;
    }

    public String source() {
        return source;
    }

    public String labelColumn() {
        return labelColumn;
    }

    public List<String> featureColumns() {
        return featureColumns;
    }

    public boolean assembled() {
        return assembled;
    }

    /** How messages name feature value {@code index} of a row, e.g. {@code column 'pixels' element 3}. */
    String describeFeature(int index) {
        if (assembled && index >= 0 && index < featureColumns.size()) {
            return "column '" + featureColumns.get(index) + "' (feature " + index + ")";
        }
        return "column '" + featureColumns.get(0) + "' element " + index;
    }

    /** How messages name the feature source as a whole. */
    String describeFeatures() {
        return assembled ? "columns " + featureColumns : "column '" + featureColumns.get(0) + "'";
    }

    @Override
    public String toString() {
        return "TrainingTable[" + source + ", " + rowCount + " rows, " + featureCount + " features]";
    }
}
