package io.sparkamp.spark.data;

import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkamp.core.config.ConfigException;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class DatasetReaderTest extends SparkDataTestBase {
    /** The training schema, nullability aside (it follows the source). */
    private static final String OUT = "struct<label:float,features:array<float>>";

    @TempDir
    Path tmp;

    @Test
    public void parquetArrayColumn() throws Exception {
        StructType schema = new StructType()
                .add("id", DataTypes.StringType)
                .add("y", DataTypes.IntegerType)
                .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType));
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            rows.add(RowFactory.create("r" + i, i % 10, new double[] {i, i * 0.5, -i}));
        }
        String path = newFolder(tmp).getPath() + "/arrays";
        spark().createDataFrame(rows, schema).coalesce(1).write().parquet(path);

        TrainingTable t = DatasetReader.read(spark(),
                DataSpec.of(path, DataSpec.Format.PARQUET).withLabelCol("y").withFeaturesCol("pixels"));

        assertEquals(OUT, t.data().schema().simpleString());
        assertEquals(200, t.rowCount());
        assertEquals(3, t.featureCount());
        assertEquals("parquet " + path, t.source());
        Row r7 = t.data().collectAsList().get(7);
        assertEquals(7f, r7.getFloat(0), 0f);
        assertArrayEquals(new Object[] {7f, 3.5f, -7f}, r7.getList(1).toArray());
    }

    @Test
    public void parquetVectorColumn() throws Exception {
        StructType schema = new StructType()
                .add("label", DataTypes.DoubleType)
                .add("features", SQLDataTypes.VectorType());
        List<Row> rows = List.of(
                RowFactory.create(1.0, Vectors.dense(0.25, 0.5, 4.0)),
                RowFactory.create(0.0, Vectors.sparse(3, new int[] {1}, new double[] {2.0})));
        String path = newFolder(tmp).getPath() + "/vectors";
        spark().createDataFrame(rows, schema).coalesce(1).write().parquet(path);

        TrainingTable t = DatasetReader.read(spark(), DataSpec.of(path, DataSpec.Format.PARQUET));

        assertEquals(OUT, t.data().schema().simpleString());
        List<Row> out = t.data().collectAsList();
        assertArrayEquals(new Object[] {0.25f, 0.5f, 4f}, out.get(0).getList(1).toArray());
        assertArrayEquals(new Object[] {0f, 2f, 0f}, out.get(1).getList(1).toArray());
    }

    @Test
    public void parquetScalarColumnsAreAssembledInListedOrder() throws Exception {
        StructType schema = new StructType()
                .add("a", DataTypes.DoubleType)
                .add("b", DataTypes.LongType)
                .add("c", DataTypes.createDecimalType(10, 2))
                .add("target", DataTypes.ShortType);
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            rows.add(RowFactory.create(i + 0.5, (long) -i, new java.math.BigDecimal(i + ".25"), (short) (i % 3)));
        }
        String path = newFolder(tmp).getPath() + "/scalars";
        spark().createDataFrame(rows, schema).coalesce(1).write().parquet(path);

        TrainingTable t = DatasetReader.read(spark(), DataSpec.of(path, DataSpec.Format.PARQUET)
                .withLabelCol("target").withFeatureCols(List.of("c", "a", "b")));

        assertEquals(OUT, t.data().schema().simpleString());
        assertEquals(100, t.rowCount());
        assertEquals(3, t.featureCount());
        assertEquals(List.of("c", "a", "b"), t.featureColumns());
        Row r5 = t.data().collectAsList().get(5);
        assertEquals(2f, r5.getFloat(0), 0f);
        assertArrayEquals(new Object[] {5.25f, 5.5f, -5f}, r5.getList(1).toArray());
    }

    @Test
    public void csvWithHeader() throws Exception {
        File csv = newFile(tmp, "data.csv");
        StringBuilder text = new StringBuilder("x1,x2,name,class\n");
        for (int i = 0; i < 50; i++) {
            text.append(i * 0.1).append(',').append(i).append(",n").append(i).append(',').append(i % 2).append('\n');
        }
        Files.writeString(csv.toPath(), text, StandardCharsets.UTF_8);

        TrainingTable t = DatasetReader.read(spark(), DataSpec.of(csv.getPath(), DataSpec.Format.CSV)
                .withLabelCol("class").withFeatureCols(List.of("x1", "x2")));

        assertEquals(OUT, t.data().schema().simpleString());
        assertEquals(50, t.rowCount());
        Row r3 = t.data().collectAsList().get(3);
        assertEquals(1f, r3.getFloat(0), 0f);
        assertArrayEquals(new Object[] {(float) (3 * 0.1), 3f}, r3.getList(1).toArray());
    }

    @Test
    public void libsvmBecomesDenseFloatArrays() throws Exception {
        File file = newFile(tmp, "data.libsvm");
        Files.writeString(file.toPath(), "1 1:0.5 4:2.0\n0 2:1.5\n2 3:-1 4:8\n", StandardCharsets.UTF_8);

        TrainingTable t = DatasetReader.read(spark(), DataSpec.of(file.getPath(), DataSpec.Format.LIBSVM));

        assertEquals(OUT, t.data().schema().simpleString());
        assertEquals(3, t.rowCount());
        assertEquals(4, t.featureCount());
        List<Row> out = t.data().collectAsList();
        assertEquals(1f, out.get(0).getFloat(0), 0f);
        assertArrayEquals(new Object[] {0.5f, 0f, 0f, 2f}, out.get(0).getList(1).toArray());
        assertArrayEquals(new Object[] {0f, 0f, -1f, 8f}, out.get(2).getList(1).toArray());
    }

    @Test
    public void missingPathIsNamed() {
        String path = tmp.toFile().getPath() + "/no-such-dir";
        ConfigException e = assertThrows(ConfigException.class,
                () -> DatasetReader.read(spark(), DataSpec.of(path, DataSpec.Format.PARQUET)));
        assertThat(e.getMessage(), containsString("--data"));
        assertThat(e.getMessage(), containsString(path));
    }

    @Test
    public void missingColumnNamesColumnPathAndExistingColumns() throws Exception {
        File csv = newFile(tmp, "cols.csv");
        Files.writeString(csv.toPath(), "Label,f1,f2\n1,0.5,0.25\n", StandardCharsets.UTF_8);

        ConfigException label = assertThrows(ConfigException.class, () -> DatasetReader.read(spark(),
                DataSpec.of(csv.getPath(), DataSpec.Format.CSV).withFeatureCols(List.of("f1", "f2"))));
        assertThat(label.getMessage(), containsString("column 'label' (--label-col) not found in csv " + csv.getPath()));
        assertThat(label.getMessage(), containsString("did you mean 'Label'?"));
        assertThat(label.getMessage(), containsString("[Label, f1, f2]"));

        ConfigException feature = assertThrows(ConfigException.class, () -> DatasetReader.read(spark(),
                DataSpec.of(csv.getPath(), DataSpec.Format.CSV).withLabelCol("Label").withFeatureCols(List.of("f1", "f3"))));
        assertThat(feature.getMessage(), containsString("column 'f3' (--feature-cols) not found"));
        assertThat(feature.getMessage(), containsString("[Label, f1, f2]"));
    }

    @Test
    public void nonNumericColumnsNameColumnAndType() throws Exception {
        File csv = newFile(tmp, "text.csv");
        Files.writeString(csv.toPath(), "label,f1,tag\ncat,0.5,a\ndog,0.25,b\n", StandardCharsets.UTF_8);
        DataSpec spec = DataSpec.of(csv.getPath(), DataSpec.Format.CSV);

        ConfigException label = assertThrows(ConfigException.class,
                () -> DatasetReader.read(spark(), spec.withFeatureCols(List.of("f1"))));
        assertThat(label.getMessage(), containsString("label column 'label'"));
        assertThat(label.getMessage(), containsString("has type string"));

        ConfigException tag = assertThrows(ConfigException.class, () -> DatasetReader.read(spark(),
                spec.withLabelCol("f1").withFeatureCols(List.of("tag"))));
        assertThat(tag.getMessage(), containsString("feature column 'tag'"));
        assertThat(tag.getMessage(), containsString("has type string"));

        ConfigException scalarAsArray = assertThrows(ConfigException.class, () -> DatasetReader.read(spark(),
                spec.withLabelCol("f1").withFeaturesCol("tag")));
        assertThat(scalarAsArray.getMessage(), containsString("features column 'tag'"));
        assertThat(scalarAsArray.getMessage(), containsString("--features-col takes an array of numbers or a Spark ML vector"));
    }
}
