package io.sparkamp.spark.data;

import static org.apache.spark.sql.functions.input_file_name;

import io.sparkamp.core.numeric.Precision;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Checks training rows before the first step, in one pass over the data ({@link RowChecks}: per
 * partition, the count of rows breaking each rule and the first of them; nothing is collected row by
 * row). It throws on bad data and never filters it: a model is not trained on rows it was not meant
 * to see.
 *
 * <p><b>What "row" means.</b> Row indices are 0-based positions in the order Spark reads the table:
 * partition by partition in partition order, and within a partition in the source's own order, the
 * order {@code RDD.zipWithIndex} would number them. For a dataset in one file read as one partition
 * this is the record's position in the file: for CSV the data line after the header, for libsvm the
 * non-empty, non-comment line, for Parquet the record. For a directory of several files Spark orders
 * partitions by file size, so messages also name the file of the first bad row when Spark knows it.
 * Values are shown as the {@code float} the trainer would see (so a double 1e300 shows as Infinity).
 *
 * <p><b>Precision.</b> Feature values are also checked against the precision the model reads them in
 * ({@link ValidationRules#inputPrecision()}): a finite value that would become infinite there (in FP16,
 * |x| &ge; 65520; the largest FP16 value is 65504) is refused, and non-zero values that would become zero
 * (in FP16, |x| &le; 2<sup>-25</sup>) are counted in the {@link Report}.
 */
public final class DataValidator {

    /** The rules, in the order they are checked and reported. */
    public enum Check {
        EMPTY("", ""),
        MALFORMED_RECORD("is malformed", "are malformed"),
        NULL_LABEL("is null", "are null"),
        NON_FINITE_LABEL("is NaN or infinite", "are NaN or infinite"),
        NOT_A_CLASS("is not a class index", "are not class indices"),
        NOT_A_PROBABILITY("is outside [0, 1]", "are outside [0, 1]"),
        NULL_FEATURES("has null features", "have null features"),
        WRONG_LENGTH("has the wrong number of features", "have the wrong number of features"),
        NON_FINITE_FEATURES("holds NaN or infinite feature values", "hold NaN or infinite feature values"),
        OVERFLOWS_PRECISION("holds feature values too large for the input precision",
                "hold feature values too large for the input precision");

        private final String one;
        private final String many;

        Check(String one, String many) {
            this.one = one;
            this.many = many;
        }
    }

    /**
     * One failed rule.
     *
     * @param check     the rule
     * @param column    the source column(s), as messages name them
     * @param badRows   number of rows breaking it
     * @param firstRow  0-based index of the first bad row (see the class comment)
     * @param file      the file holding that row, or "" when Spark does not know it
     * @param location  where in that row, e.g. {@code element 5}, or "" for the whole value
     * @param value     the bad value, as text
     * @param rule      the expected value, e.g. {@code expected 784}
     */
    public record Problem(Check check, String column, long badRows, long firstRow, String file, String location,
                          String value, String rule) {
        /** One line: column, count, first row and value. */
        public String describe() {
            if (check == Check.EMPTY) {
                return "the dataset has no rows";
            }
            return column + ": " + badRows + (badRows == 1 ? " row " + check.one : " rows " + check.many)
                    + (rule.isEmpty() ? "" : " (" + rule + ")")
                    + "; first at row " + firstRow + (file.isEmpty() ? "" : " of " + file)
                    + (location.isEmpty() ? "" : ", " + location) + ": " + value;
        }
    }

    /**
     * What validation measured on data that passed.
     *
     * @param rows                  rows checked
     * @param values                feature values checked
     * @param valuesFlushedToZero   non-zero feature values that become zero in the input precision
     */
    public record Report(long rows, long values, long valuesFlushedToZero) {
    }

    private DataValidator() {
    }

    /**
     * Validates every row of {@code table}.
     *
     * @param expectedFeatures the model's input size; every feature array must have this length
     * @return what was measured on the valid data
     * @throws DataValidationException listing every broken rule, when any is broken or there are no rows
     */
    public static Report validate(TrainingTable table, int expectedFeatures, ValidationRules rules) {
        if (expectedFeatures <= 0) {
            throw new IllegalArgumentException("expectedFeatures must be positive, got " + expectedFeatures);
        }
        // One pass over Spark's internal rows; the file of each row comes from the scan that read it.
        List<RowChecks.Findings> perPartition = table.checkedRows().withColumn("_file", input_file_name())
                .queryExecution().toRdd().toJavaRDD()
                .mapPartitionsWithIndex(new RowChecks(expectedFeatures, rules, table.reportsMalformedRecords()), true)
                .collect();

        long rows = 0;
        long values = 0;
        long flushed = 0;
        for (RowChecks.Findings p : perPartition) {
            rows += p.rows;
            values += p.values;
            flushed += p.flushed;
        }
        if (rows == 0) {
            throw DataValidationException.empty(table.source());
        }
        Map<Check, String[]> texts = describe(table, expectedFeatures, rules);
        List<Problem> problems = new ArrayList<>();
        for (Check check : Check.values()) {
            int c = check.ordinal();
            long bad = 0;
            long before = 0;
            Problem first = null;
            for (RowChecks.Findings p : perPartition) {
                bad += p.counts[c];
                if (first == null && p.counts[c] > 0) {
                    int element = p.firstElement[c];
                    first = new Problem(check, texts.get(check)[0], 0, before + p.firstRow[c], p.firstFile[c],
                            element < 0 ? "" : table.describeFeature(element).replace("column ", ""),
                            p.firstValue[c], texts.get(check)[1]);
                }
                before += p.rows;
            }
            if (bad > 0) {
                problems.add(new Problem(check, first.column(), bad, first.firstRow(), first.file(), first.location(),
                        first.value(), first.rule()));
            }
        }
        if (!problems.isEmpty()) {
            throw new DataValidationException(table.source(), rows, problems);
        }
        return new Report(rows, values, flushed);
    }

    /** Per check: the column(s) it is about, as messages name them, and the rule it enforces. */
    private static Map<Check, String[]> describe(TrainingTable table, int expectedFeatures, ValidationRules rules) {
        String label = "column '" + table.labelColumn() + "' (label)";
        String features = table.describeFeatures() + " (features)";
        Map<Check, String[]> out = new EnumMap<>(Check.class);
        out.put(Check.MALFORMED_RECORD, new String[] {"record",
                "a different number of fields than the first line, or a value that does not parse as its column's type"});
        out.put(Check.NULL_LABEL, new String[] {label, ""});
        out.put(Check.NON_FINITE_LABEL, new String[] {label, ""});
        out.put(Check.NOT_A_CLASS, new String[] {label, "expected integers in [0, " + rules.classes() + ")"});
        out.put(Check.NOT_A_PROBABILITY, new String[] {label, "binary cross-entropy targets"});
        out.put(Check.NULL_FEATURES, new String[] {features, ""});
        out.put(Check.WRONG_LENGTH, new String[] {features, "expected " + expectedFeatures + ", the model's input size"});
        out.put(Check.NON_FINITE_FEATURES, new String[] {features, ""});
        Precision p = rules.inputPrecision();
        out.put(Check.OVERFLOWS_PRECISION, new String[] {features, p.label() + " holds at most " + p.maxValue()
                + "; values from " + rules.overflowThreshold() + " on become infinite: standardise the features"
                + " (e.g. to mean 0, variance 1)" + (p == Precision.FP16 ? " or train with --precision bf16" : "")});
        return out;
    }
}
