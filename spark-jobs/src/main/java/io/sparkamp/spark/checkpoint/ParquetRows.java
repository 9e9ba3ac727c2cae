package io.sparkamp.spark.checkpoint;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rows of a small Spark schema written to Parquet, and read back, by the driver itself through parquet-hadoop
 * and the Hadoop file system: no Spark task carries them. A checkpoint's tensors sent through
 * {@code createDataFrame(...).write()} rode inside one task (141 MB for a model of 11.6 million parameters with
 * Adam's two slots), which a cluster refuses past {@code spark.rpc.message.maxSize} (128 MiB by default), and
 * came back through {@code collect}, which stops at {@code spark.driver.maxResultSize} (1 GiB by default).
 *
 * <p>The files are what Spark itself writes for the schema: required columns, strings as UTF-8 binaries,
 * {@code array<float>} as a three-level {@code LIST} of required floats. Spark, pyarrow and pandas read them as
 * before. Fields may be int, long, float, string or array&lt;float&gt; (a {@code float[]} in the row), none
 * nullable. Reading accepts any file of such columns, including the two-level lists Spark writes with
 * {@code spark.sql.parquet.writeLegacyFormat}.
 *
 * <p>The pages are not compressed: trained weights do not compress (Snappy made a checkpoint larger), and
 * parquet-hadoop's Snappy codec grows its buffer by each chunk it is fed, which for one tensor's page (a row
 * holds a whole tensor) took the first load of an 11.6-million-parameter checkpoint in a JVM 78 s.
 */
final class ParquetRows {
    /** The one file a write creates in its directory (Spark and pyarrow skip names starting with _ or .). */
    static final String FILE = "part-00000.parquet";

    private ParquetRows() {
    }

    /**
     * Writes {@code rows} (one value per field of {@code schema}, in its order) as {@code dir}/{@value #FILE};
     * refuses to replace a file that is there.
     */
    static void write(Configuration conf, Path dir, StructType schema, List<Object[]> rows) throws IOException {
        MessageType parquet = parquetSchema(schema);
        try (ParquetWriter<Object[]> writer = new Builder(new Path(dir, FILE), schema, parquet).withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.CREATE).withCompressionCodec(CompressionCodecName.UNCOMPRESSED).build()) {
            for (Object[] row : rows) {
                writer.write(row);
            }
        }
    }

    /**
     * Every row of every Parquet file in {@code dir} (in the order the file system lists them; files whose names
     * start with _ or . are skipped), as column name to value: Integer, Long, Float, String, or float[] for a list
     * of floats. Columns a file lacks are absent from its rows.
     */
    static List<Map<String, Object>> read(Configuration conf, Path dir) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (ParquetReader<Map<String, Object>> reader = ParquetReader.builder(new MapReadSupport(), dir).withConf(conf).build()) {
            for (Map<String, Object> row = reader.read(); row != null; row = reader.read()) {
                rows.add(row);
            }
        }
        return rows;
    }

    static MessageType parquetSchema(StructType schema) {
        Types.MessageTypeBuilder message = Types.buildMessage();
        for (StructField field : schema.fields()) {
            if (field.nullable()) {
                throw new IllegalArgumentException("column " + field.name() + " is nullable; only required columns are written");
            }
            DataType type = field.dataType();
            if (type.equals(DataTypes.IntegerType)) {
                message.required(PrimitiveTypeName.INT32).named(field.name());
            } else if (type.equals(DataTypes.LongType)) {
                message.required(PrimitiveTypeName.INT64).named(field.name());
            } else if (type.equals(DataTypes.FloatType)) {
                message.required(PrimitiveTypeName.FLOAT).named(field.name());
            } else if (type.equals(DataTypes.StringType)) {
                message.required(PrimitiveTypeName.BINARY).as(LogicalTypeAnnotation.stringType()).named(field.name());
            } else if (isFloatArray(type)) {
                message.requiredGroup().as(LogicalTypeAnnotation.listType())
                        .repeatedGroup().required(PrimitiveTypeName.FLOAT).named("element").named("list")
                        .named(field.name());
            } else {
                throw new IllegalArgumentException("column " + field.name() + " has type " + type.simpleString()
                        + "; only int, bigint, float, string and array<float> are written");
            }
        }
        return message.named("spark_schema");
    }

    private static boolean isFloatArray(DataType type) {
        return type instanceof ArrayType array && array.elementType().equals(DataTypes.FloatType) && !array.containsNull();
    }

    private static final class Builder extends ParquetWriter.Builder<Object[], Builder> {
        private final StructType schema;
        private final MessageType parquet;

        Builder(Path file, StructType schema, MessageType parquet) {
            super(file);
            this.schema = schema;
            this.parquet = parquet;
        }

        @Override
        protected Builder self() {
            return this;
        }

        @Override
        protected WriteSupport<Object[]> getWriteSupport(Configuration conf) {
            return new RowWriteSupport(schema, parquet);
        }
    }

    /** One row as one Parquet record, value by value; a float array without boxing its values. */
    private static final class RowWriteSupport extends WriteSupport<Object[]> {
        private final StructField[] fields;
        private final MessageType parquet;
        private RecordConsumer out;

        RowWriteSupport(StructType schema, MessageType parquet) {
            this.fields = schema.fields();
            this.parquet = parquet;
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(parquet, Map.of());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Object[] row) {
            if (row.length != fields.length) {
                throw new IllegalArgumentException("a row of " + row.length + " values for " + fields.length + " columns");
            }
            out.startMessage();
            for (int i = 0; i < fields.length; i++) {
                String name = fields[i].name();
                Object value = row[i];
                if (value == null) {
                    throw new IllegalArgumentException("column " + name + " is null; it is required");
                }
                out.startField(name, i);
                DataType type = fields[i].dataType();
                if (type.equals(DataTypes.IntegerType)) {
                    out.addInteger(as(Integer.class, value, name));
                } else if (type.equals(DataTypes.LongType)) {
                    out.addLong(as(Long.class, value, name));
                } else if (type.equals(DataTypes.FloatType)) {
                    out.addFloat(as(Float.class, value, name));
                } else if (type.equals(DataTypes.StringType)) {
                    out.addBinary(Binary.fromString(as(String.class, value, name)));
                } else {
                    writeList(as(float[].class, value, name));
                }
                out.endField(name, i);
            }
            out.endMessage();
        }

        private static <T> T as(Class<T> type, Object value, String column) {
            if (!type.isInstance(value)) {
                throw new IllegalArgumentException("column " + column + " takes a " + type.getSimpleName() + ", not a "
                        + value.getClass().getSimpleName());
            }
            return type.cast(value);
        }

        private void writeList(float[] values) {
            out.startGroup();
            if (values.length > 0) { // an empty repeated field is one that is never started
                out.startField("list", 0);
                for (float v : values) {
                    out.startGroup();
                    out.startField("element", 0);
                    out.addFloat(v);
                    out.endField("element", 0);
                    out.endGroup();
                }
                out.endField("list", 0);
            }
            out.endGroup();
        }
    }

    /** Records as column name to value, with the file's own schema. */
    private static final class MapReadSupport extends ReadSupport<Map<String, Object>> {
        @Override
        public ReadContext init(InitContext context) {
            return new ReadContext(context.getFileSchema());
        }

        @Override
        public RecordMaterializer<Map<String, Object>> prepareForRead(Configuration configuration, Map<String, String> metadata,
                                                                      MessageType fileSchema, ReadContext readContext) {
            RowConverter root = new RowConverter(readContext.getRequestedSchema());
            return new RecordMaterializer<>() {
                @Override
                public Map<String, Object> getCurrentRecord() {
                    return root.current();
                }

                @Override
                public GroupConverter getRootConverter() {
                    return root;
                }
            };
        }
    }

    /** One record's columns: plain values set as they arrive, float lists gathered into a growing array. */
    private static final class RowConverter extends GroupConverter {
        private final String[] names;
        private final Converter[] converters;
        private final Object[] values;
        private final Map<Integer, FloatList> lists = new HashMap<>();

        RowConverter(GroupType schema) {
            int n = schema.getFieldCount();
            names = new String[n];
            converters = new Converter[n];
            values = new Object[n];
            for (int i = 0; i < n; i++) {
                Type field = schema.getType(i);
                names[i] = field.getName();
                if (field.isPrimitive()) {
                    converters[i] = value(i, field.asPrimitiveType().getPrimitiveTypeName(), field.getName());
                } else {
                    FloatList list = new FloatList();
                    lists.put(i, list);
                    converters[i] = floats(field.asGroupType(), list, field.getName());
                }
            }
        }

        private PrimitiveConverter value(int i, PrimitiveTypeName type, String name) {
            return switch (type) {
                case INT32 -> new PrimitiveConverter() {
                    @Override
                    public void addInt(int value) {
                        values[i] = value;
                    }
                };
                case INT64 -> new PrimitiveConverter() {
                    @Override
                    public void addLong(long value) {
                        values[i] = value;
                    }
                };
                case FLOAT -> new PrimitiveConverter() {
                    @Override
                    public void addFloat(float value) {
                        values[i] = value;
                    }
                };
                case BINARY -> new PrimitiveConverter() {
                    @Override
                    public void addBinary(Binary value) {
                        values[i] = value.toStringUsingUTF8();
                    }
                };
                default -> throw new IllegalArgumentException("column " + name + " is " + type + "; not a checkpoint column");
            };
        }

        /** A list column, at any nesting of its repeated groups: every float leaf appends to {@code list}. */
        private static GroupConverter floats(GroupType group, FloatList list, String column) {
            Converter[] children = new Converter[group.getFieldCount()];
            for (int i = 0; i < children.length; i++) {
                Type child = group.getType(i);
                if (!child.isPrimitive()) {
                    children[i] = floats(child.asGroupType(), list, column);
                } else if (child.asPrimitiveType().getPrimitiveTypeName() == PrimitiveTypeName.FLOAT) {
                    children[i] = new PrimitiveConverter() {
                        @Override
                        public void addFloat(float value) {
                            list.add(value);
                        }
                    };
                } else {
                    throw new IllegalArgumentException("column " + column + " holds " + child.asPrimitiveType().getPrimitiveTypeName()
                            + " values; only lists of floats are read");
                }
            }
            return new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return children[fieldIndex];
                }

                @Override
                public void start() {
                }

                @Override
                public void end() {
                }
            };
        }

        @Override
        public Converter getConverter(int fieldIndex) {
            return converters[fieldIndex];
        }

        @Override
        public void start() {
            Arrays.fill(values, null);
            lists.values().forEach(FloatList::clear);
        }

        @Override
        public void end() {
            lists.forEach((i, list) -> values[i] = list.toArray());
        }

        Map<String, Object> current() {
            Map<String, Object> row = new LinkedHashMap<>();
            for (int i = 0; i < names.length; i++) {
                row.put(names[i], values[i]);
            }
            return row;
        }
    }

    /** A growing float array (no boxing: a checkpoint's tensor can hold hundreds of millions of values). */
    private static final class FloatList {
        private float[] values = new float[1024];
        private int size;

        void add(float value) {
            if (size == values.length) {
                values = Arrays.copyOf(values, Math.max(1024, values.length * 2));
            }
            values[size++] = value;
        }

        void clear() {
            size = 0;
        }

        float[] toArray() {
            return Arrays.copyOf(values, size);
        }
    }
}
