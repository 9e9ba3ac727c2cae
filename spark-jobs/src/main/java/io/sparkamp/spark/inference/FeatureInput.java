package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.data.DatasetReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Where a row's features are and how to read them as floats: one Spark ML vector column, one
 * {@code array<numeric>} column, or numeric scalar columns taken in order. Resolved once against the
 * input schema on the driver (a missing or non-numeric column fails there, naming it); read per row on
 * the executors, where a null, a NaN or infinite value or a wrong number of values fails naming the
 * column and the row (training refuses the same rows).
 */
final class FeatureInput implements Serializable {
    private static final long serialVersionUID = 1L;

    private enum Kind { VECTOR, ARRAY, SCALARS }

    private final Kind kind;
    private final int[] fields;
    private final String[] names;
    private final int width;

    private FeatureInput(Kind kind, int[] fields, String[] names, int width) {
        this.kind = kind;
        this.fields = fields;
        this.names = names;
        this.width = width;
    }

    /**
     * The features of {@code schema} for a model reading {@code width} values per row.
     *
     * @param featuresCol the vector or array column, used when {@code featureCols} is empty
     * @param featureCols numeric scalar columns assembled in this order
     * @param param       how messages name the setting, e.g. "featuresCol" or "--features-col"
     */
    static FeatureInput resolve(StructType schema, String featuresCol, List<String> featureCols, int width, String param) {
        if (featureCols != null && !featureCols.isEmpty()) {
            if (featureCols.size() != width) {
                throw new ConfigException(featureCols.size() + " feature columns " + featureCols + " given, but the model reads "
                        + width + " features per row");
            }
            int[] fields = new int[featureCols.size()];
            for (int i = 0; i < fields.length; i++) {
                StructField f = schema.fields()[fields[i] = index(schema, featureCols.get(i), "feature column")];
                if (!(f.dataType() instanceof NumericType)) {
                    throw new ConfigException("feature column '" + f.name() + "' has type " + f.dataType().simpleString()
                            + "; assembled features must be numeric scalar columns");
                }
            }
            return new FeatureInput(Kind.SCALARS, fields, featureCols.toArray(new String[0]), width);
        }
        int field = index(schema, featuresCol, "features column (" + param + ")");
        DataType type = schema.fields()[field].dataType();
        Kind kind;
        if (type instanceof ArrayType a && a.elementType() instanceof NumericType) {
            kind = Kind.ARRAY;
        } else if (DatasetReader.isVector(type)) {
            kind = Kind.VECTOR;
        } else {
            throw new ConfigException("features column '" + featuresCol + "' (" + param + ") has type " + type.simpleString()
                    + "; it must be a Spark ML vector or an array of numbers");
        }
        return new FeatureInput(kind, new int[] {field}, new String[] {featuresCol}, width);
    }

    /** Values per row. */
    int width() {
        return width;
    }

    /**
     * Copies the features of {@code row} into {@code dst[off..off + width)}.
     *
     * @param index     the row's position in its partition, for messages
     * @param partition the partition, for messages
     * @throws ConfigException for a null, a non-finite value or a row of the wrong width
     */
    void read(Row row, float[] dst, int off, long index, int partition) {
        Position position = new Position(index, partition);
        switch (kind) {
            case SCALARS:
                for (int j = 0; j < width; j++) {
                    if (row.isNullAt(fields[j])) {
                        throw new ConfigException("feature column '" + names[j] + "' is null in " + position);
                    }
                    dst[off + j] = finite(((Number) row.get(fields[j])).floatValue(), names[j], -1, position);
                }
                return;
            case VECTOR:
                readVector(row, dst, off, position);
                return;
            default:
                readArray(row, dst, off, position);
        }
    }

    private void readVector(Row row, float[] dst, int off, Position position) {
        Object value = requireValue(row, position);
        double[] values = value instanceof org.apache.spark.ml.linalg.Vector v ? v.toArray()
                : ((org.apache.spark.mllib.linalg.Vector) value).toArray();
        requireWidth(values.length, position);
        for (int j = 0; j < width; j++) {
            dst[off + j] = finite((float) values[j], names[0], j, position);
        }
    }

    private void readArray(Row row, float[] dst, int off, Position position) {
        Object value = requireValue(row, position);
        if (value instanceof scala.collection.mutable.WrappedArray.ofFloat floats) {
            // Spark hands a non-null float array over as a primitive array: copy it without boxing every value.
            float[] values = floats.array();
            requireWidth(values.length, position);
            for (int j = 0; j < width; j++) {
                dst[off + j] = finite(values[j], names[0], j, position);
            }
            return;
        }
        List<Object> values = row.getList(fields[0]);
        requireWidth(values.size(), position);
        for (int j = 0; j < width; j++) {
            Object v = values.get(j);
            if (v == null) {
                throw new ConfigException("features column '" + names[0] + "' element " + j + " is null in " + position);
            }
            dst[off + j] = finite(((Number) v).floatValue(), names[0], j, position);
        }
    }

    /** The value itself; NaN or infinite features are refused, as training refuses them (the float seen is named). */
    private static float finite(float value, String column, int element, Position position) {
        if (!Float.isFinite(value)) {
            throw new ConfigException("feature column '" + column + "'" + (element < 0 ? "" : " element " + element) + " is " + value
                    + " in " + position + "; features must be finite numbers");
        }
        return value;
    }

    private Object requireValue(Row row, Position position) {
        if (row.isNullAt(fields[0])) {
            throw new ConfigException("features column '" + names[0] + "' is null in " + position);
        }
        return row.get(fields[0]);
    }

    private void requireWidth(int length, Position position) {
        if (length != width) {
            throw new ConfigException("features column '" + names[0] + "' holds " + length + " values in " + position
                    + ", but the model reads " + width + " features per row");
        }
    }

    /** Where a row is, as messages name it ("row 12 of partition 3"); the text is built only for an error. */
    private record Position(long index, int partition) {
        @Override
        public String toString() {
            return "row " + index + " of partition " + partition;
        }
    }

    private static int index(StructType schema, String name, String what) {
        String[] columns = schema.fieldNames();
        for (int i = 0; i < columns.length; i++) {
            if (columns[i].equals(name)) {
                return i;
            }
        }
        throw new ConfigException(what + " '" + name + "' not found; the columns are " + Arrays.toString(columns));
    }
}
