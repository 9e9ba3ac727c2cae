package io.sparkamp.spark.data;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.input_file_name;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.shiftleft;
import static org.apache.spark.sql.functions.spark_partition_id;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;


import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Checks training rows before the first step, in one Spark job of aggregates (nothing is collected row
 * by row). It throws on bad data and never filters it: a model is not trained on rows it was not meant
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
        List<Rule> checks = rules(table, expectedFeatures, rules);

        // Row position = rows of earlier partitions + position inside the partition; the id below packs
        // the partition index into its upper 31 bits and the position into the lower 33.
        Column partition = spark_partition_id();
        Column position = monotonically_increasing_id().minus(shiftleft(partition.cast("long"), 33));
        Dataset<Row> positioned = table.checkedRows()
                .withColumn("_partition", partition)
                .withColumn("_position", position)
                .withColumn("_file", input_file_name());

        List<Column> aggregates = new ArrayList<>();
        aggregates.add(count(lit(1)).as("_rows"));
        aggregates.add(coalesce(sum(expr("CASE WHEN features IS NULL THEN 0L ELSE size(features) END")), lit(0L)).as("_values"));
        aggregates.add(coalesce(sum(flushedToZero(rules)), lit(0L)).as("_flushed"));
        for (Rule r : checks) {
            Column first = struct(col("_position"), r.element.cast("int").as("element"),
                    r.value.cast("string").as("value"), col("_file"));
            aggregates.add(count(when(r.bad, lit(1))).as(r.check.name() + "_count"));
            aggregates.add(min(when(r.bad, first)).as(r.check.name() + "_first"));
        }
        List<Row> perPartition = new ArrayList<>(positioned.groupBy(col("_partition"))
                .agg(aggregates.get(0), aggregates.subList(1, aggregates.size()).toArray(new Column[0]))
                .collectAsList());
        perPartition.sort(Comparator.comparingInt(row -> row.getInt(0)));

        long rows = 0;
        long values = 0;
        long flushed = 0;
        for (Row p : perPartition) {
            rows += p.getLong(1);
            values += p.getLong(2);
            flushed += p.getLong(3);
        }
        if (rows == 0) {
            throw new DataValidationException(table.source(), 0,
                    List.of(new Problem(Check.EMPTY, "dataset", 0, -1, "", "", "", "")));
        }
        List<Problem> problems = new ArrayList<>();
        for (int c = 0; c < checks.size(); c++) {
            Rule r = checks.get(c);
            long bad = 0;
            long before = 0;
            Problem first = null;
            for (Row p : perPartition) {
                bad += p.getLong(FIRST_RULE_COLUMN + 2 * c);
                Row f = p.getStruct(FIRST_RULE_COLUMN + 1 + 2 * c);
                if (first == null && f != null) {
                    int element = f.isNullAt(1) ? -1 : f.getInt(1);
                    first = new Problem(r.check, r.column, 0, before + f.getLong(0), f.getString(3),
                            element < 0 ? "" : table.describeFeature(element).replace("column ", ""),
                            f.isNullAt(2) ? "null" : f.getString(2), r.rule);
                }
                before += p.getLong(1);
            }
            if (bad > 0) {
                problems.add(new Problem(first.check(), first.column(), bad, first.firstRow(), first.file(),
                        first.location(), first.value(), first.rule()));
            }
        }
        if (!problems.isEmpty()) {
            throw new DataValidationException(table.source(), rows, problems);
        }
        return new Report(rows, values, flushed);
    }

    /** Columns of a partition's aggregate row before the rules': partition, rows, values, flushed values. */
    private static final int FIRST_RULE_COLUMN = 4;

    /** Per row: non-zero feature values that round to zero in the input precision. */
    private static Column flushedToZero(ValidationRules rules) {
        float t = rules.flushThreshold();
        if (t == 0f) {
            return lit(0L);
        }
        return expr("aggregate(features, 0L, (n, x) -> n + CASE WHEN x != 0 AND abs(x) <= " + floatLiteral(t)
                + " THEN 1L ELSE 0L END)");
    }

    /** A float as a Spark SQL expression that evaluates to exactly that float. */
    private static String floatLiteral(float value) {
        return "float('" + value + "')";
    }

    /** Longest raw record shown in a message. */
    private static final int RECORD_SHOWN = 120;

    /** One check as Spark expressions: when a row is bad, and which element and value to report. */
    private record Rule(Check check, String column, Column bad, Column element, Column value, String rule) {
    }

    private static List<Rule> rules(TrainingTable table, int expectedFeatures, ValidationRules rules) {
        String label = "column '" + table.labelColumn() + "' (label)";
        String features = table.describeFeatures() + " (features)";
        Column noElement = lit(null).cast("int");
        Column y = col(TrainingTable.LABEL);
        Column finiteLabel = expr("label IS NOT NULL AND NOT isnan(label) AND abs(label) != float('Infinity')");

        List<Rule> out = new ArrayList<>();
        if (table.reportsMalformedRecords()) {
            Column record = col(TrainingTable.MALFORMED);
            out.add(new Rule(Check.MALFORMED_RECORD, "record", record.isNotNull(), noElement,
                    expr("CASE WHEN length(" + TrainingTable.MALFORMED + ") > " + RECORD_SHOWN + " THEN concat(substr("
                            + TrainingTable.MALFORMED + ", 1, " + RECORD_SHOWN + "), '...') ELSE "
                            + TrainingTable.MALFORMED + " END"),
                    "a different number of fields than the first line, or a value that does not parse as its column's type"));
        }
        out.add(new Rule(Check.NULL_LABEL, label, y.isNull(), noElement, lit(null), ""));
        out.add(new Rule(Check.NON_FINITE_LABEL, label, y.isNotNull().and(finiteLabel.unary_$bang()), noElement, y, ""));
        if (rules.classes() > 0) {
            int k = rules.classes();
            out.add(new Rule(Check.NOT_A_CLASS, label,
                    finiteLabel.and(expr("label != floor(label) OR label < 0 OR label >= " + k)), noElement, y,
                    "expected integers in [0, " + k + ")"));
        }
        if (rules.binary()) {
            out.add(new Rule(Check.NOT_A_PROBABILITY, label, finiteLabel.and(expr("label < 0 OR label > 1")),
                    noElement, y, "binary cross-entropy targets"));
        }
        // Index (0-based) of the first null element; -1 when the whole array is null.
        out.add(new Rule(Check.NULL_FEATURES, features,
                expr("features IS NULL OR exists(features, x -> x IS NULL)"),
                expr("CASE WHEN features IS NULL THEN NULL"
                        + " ELSE array_position(transform(features, x -> x IS NULL), true) - 1 END"),
                lit(null), ""));
        out.add(new Rule(Check.WRONG_LENGTH, features,
                expr("features IS NOT NULL AND size(features) != " + expectedFeatures), noElement,
                expr("concat(size(features), ' values')"), "expected " + expectedFeatures + ", the model's input size"));
        String nonFinite = "x -> isnan(x) OR abs(x) = float('Infinity')";
        Column firstNonFinite = expr("array_position(transform(features, " + nonFinite + "), true)");
        out.add(new Rule(Check.NON_FINITE_FEATURES, features,
                expr("features IS NOT NULL AND exists(features, " + nonFinite + ")"),
                firstNonFinite.minus(1), expr("element_at(features, cast(array_position(transform(features, "
                + nonFinite + "), true) AS int))"), ""));
        float overflow = rules.overflowThreshold();
        if (Float.isFinite(overflow)) {
            String tooLarge = "x -> NOT isnan(x) AND abs(x) != float('Infinity') AND abs(x) >= " + floatLiteral(overflow);
            String p = rules.inputPrecision().label();
            out.add(new Rule(Check.OVERFLOWS_PRECISION, features,
                    expr("features IS NOT NULL AND exists(features, " + tooLarge + ")"),
                    expr("array_position(transform(features, " + tooLarge + "), true)").minus(1),
                    expr("element_at(features, cast(array_position(transform(features, " + tooLarge + "), true) AS int))"),
                    p + " holds at most " + rules.inputPrecision().maxValue() + "; values from " + overflow
                            + " on become infinite: standardise the features (e.g. to mean 0, variance 1)"
                            + (rules.inputPrecision() == io.sparkamp.core.numeric.Precision.FP16 ? " or train with --precision bf16" : "")));
        }
        return out;
    }
}
