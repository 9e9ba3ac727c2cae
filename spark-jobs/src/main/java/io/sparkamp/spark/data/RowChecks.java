package io.sparkamp.spark.data;

import io.sparkamp.spark.data.DataValidator.Check;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * The row checks of {@link DataValidator} on one partition, in one pass over Spark's internal rows
 * ({@code label}, {@code features}, optionally the malformed-record text, then the file name): for every
 * {@link Check}, how many rows break it and the first one (position in the partition, element, value,
 * file), and how many feature values flush to zero. Runs on executors; a plain loop over the feature
 * values, so validation costs about as much as reading the data.
 */
public final class RowChecks implements Function2<Integer, Iterator<InternalRow>, Iterator<RowChecks.Findings>> {
    private static final long serialVersionUID = 1L;
    /** Longest raw record shown in a message. */
    private static final int RECORD_SHOWN = 120;

    private final int expectedFeatures;
    private final int classes;
    private final boolean binary;
    private final float overflow;
    private final float flush;
    private final boolean malformedColumn;

    RowChecks(int expectedFeatures, ValidationRules rules, boolean malformedColumn) {
        this.expectedFeatures = expectedFeatures;
        this.classes = rules.classes();
        this.binary = rules.binary();
        this.overflow = rules.overflowThreshold();
        this.flush = rules.flushThreshold();
        this.malformedColumn = malformedColumn;
    }

    @Override
    public Iterator<Findings> call(Integer partition, Iterator<InternalRow> rows) {
        Findings f = new Findings();
        int fileColumn = malformedColumn ? 3 : 2;
        while (rows.hasNext()) {
            InternalRow row = rows.next();
            long position = f.rows++;
            String file = row.isNullAt(fileColumn) ? "" : row.getUTF8String(fileColumn).toString();
            if (malformedColumn && !row.isNullAt(2)) {
                String text = row.getUTF8String(2).toString();
                f.record(Check.MALFORMED_RECORD, position, -1,
                        text.length() > RECORD_SHOWN ? text.substring(0, RECORD_SHOWN) + "..." : text, file);
            }
            checkLabel(f, row, position, file);
            checkFeatures(f, row, position, file);
        }
        return Collections.singletonList(f).iterator();
    }

    private void checkLabel(Findings f, InternalRow row, long position, String file) {
        if (row.isNullAt(0)) {
            f.record(Check.NULL_LABEL, position, -1, "null", file);
            return;
        }
        float y = row.getFloat(0);
        if (!Float.isFinite(y)) {
            f.record(Check.NON_FINITE_LABEL, position, -1, Float.toString(y), file);
        } else if (classes > 0 && (y != Math.floor(y) || y < 0 || y >= classes)) {
            f.record(Check.NOT_A_CLASS, position, -1, Float.toString(y), file);
        } else if (binary && (y < 0 || y > 1)) {
            f.record(Check.NOT_A_PROBABILITY, position, -1, Float.toString(y), file);
        }
    }

    private void checkFeatures(Findings f, InternalRow row, long position, String file) {
        if (row.isNullAt(1)) {
            f.record(Check.NULL_FEATURES, position, -1, "null", file);
            return;
        }
        ArrayData values = row.getArray(1);
        int n = values.numElements();
        f.values += n;
        int firstNull = -1;
        int firstNonFinite = -1;
        int firstOverflow = -1;
        for (int j = 0; j < n; j++) {
            if (values.isNullAt(j)) {
                firstNull = firstNull < 0 ? j : firstNull;
                continue;
            }
            float x = Math.abs(values.getFloat(j));
            if (!Float.isFinite(x)) {
                firstNonFinite = firstNonFinite < 0 ? j : firstNonFinite;
            } else if (x >= overflow) {
                firstOverflow = firstOverflow < 0 ? j : firstOverflow;
            } else if (x <= flush && x != 0) {
                f.flushed++;
            }
        }
        if (firstNull >= 0) {
            f.record(Check.NULL_FEATURES, position, firstNull, "null", file);
        }
        if (n != expectedFeatures) {
            f.record(Check.WRONG_LENGTH, position, -1, n + " values", file);
        }
        if (firstNonFinite >= 0) {
            f.record(Check.NON_FINITE_FEATURES, position, firstNonFinite, Float.toString(values.getFloat(firstNonFinite)), file);
        }
        if (firstOverflow >= 0) {
            f.record(Check.OVERFLOWS_PRECISION, position, firstOverflow, Float.toString(values.getFloat(firstOverflow)), file);
        }
    }

    /** What one partition's rows broke (a task result). Arrays are indexed by {@link Check#ordinal()}. */
    public static final class Findings implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        long rows;
        long values;
        long flushed;
        final long[] counts = new long[Check.values().length];
        final long[] firstRow = new long[Check.values().length];
        final int[] firstElement = new int[Check.values().length];
        final String[] firstValue = new String[Check.values().length];
        final String[] firstFile = new String[Check.values().length];

        Findings() {
            Arrays.fill(firstElement, -1);
        }

        void record(Check check, long position, int element, String value, String file) {
            int c = check.ordinal();
            if (counts[c]++ == 0) {
                firstRow[c] = position;
                firstElement[c] = element;
                firstValue[c] = value;
                firstFile[c] = file;
            }
        }
    }
}
