package io.sparkamp.spark.datasets;

import io.sparkamp.spark.data.ValidationRules;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.DataValidator;
import io.sparkamp.spark.data.DatasetReader;
import io.sparkamp.spark.data.SparkDataTestBase;
import io.sparkamp.spark.data.TrainingTable;
import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.data.SyntheticClassification;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class SyntheticDataWriterTest extends SparkDataTestBase {
    @TempDir
    Path tmp;

    private static final SyntheticDataWriter.Options OPTIONS = new SyntheticDataWriter.Options(300, 60, 8, 10, 0.5f, 7L);

    @Test
    public void sameOptionsWriteTheSameRows() {
        String a = tmp.toFile() + "/a";
        String b = tmp.toFile() + "/b";
        DatasetSummary summary = SyntheticDataWriter.write(spark(), a, OPTIONS, false);
        SyntheticDataWriter.write(spark(), b, OPTIONS, false);

        assertEquals(new DatasetSummary(a + "/train", 300, a + "/test", 60, 8, 10), summary);
        for (String split : new String[] {"/train", "/test"}) {
            Dataset<Row> first = spark().read().parquet(a + split);
            Dataset<Row> second = spark().read().parquet(b + split);
            assertEquals("struct<label:int,features:array<float>>", first.schema().simpleString());
            assertDataFrameEquals(first, second, assertDataFrameEquals$default$3());
        }
        assertNotEquals(spark().read().parquet(a + "/train").limit(60).collectAsList(),
                spark().read().parquet(a + "/test").collectAsList());
    }

    @Test
    public void rowsAreTheGeneratorsRowsInOrder() {
        String out = tmp.toFile() + "/gen";
        SyntheticDataWriter.write(spark(), out, OPTIONS, false);
        ArrayRowSource expected = new SyntheticClassification(8, 10, 0.5f, 7L).generate(300, SyntheticDataWriter.TRAIN_STREAM);

        List<Row> rows = spark().read().parquet(out + "/train").collectAsList();
        float[] x = new float[8];
        float[] y = new float[1];
        for (int r = 0; r < 300; r++) {
            expected.copyFeatures(r, x, 0);
            expected.copyTargets(r, y, 0);
            assertEquals((int) y[0], rows.get(r).getInt(0), "label of row " + r);
            List<Object> f = rows.get(r).getList(1);
            for (int j = 0; j < 8; j++) {
                assertEquals(x[j], (Float) f.get(j), 0f, "row " + r + " feature " + j);
            }
        }
        DataValidator.validate(DatasetReader.read(spark(), DataSpec.of(out + "/train", DataSpec.Format.PARQUET)), 8,
                ValidationRules.classification(10));
    }

    @Test
    public void optionsNameTheirFlag() {
        assertEquals("--rows: must be positive, got 0", assertThrows(ConfigException.class,
                () -> SyntheticDataWriter.Options.quickstart(0)).getMessage());
        assertEquals("--classes: must be at least 2, got 1", assertThrows(ConfigException.class,
                () -> new SyntheticDataWriter.Options(10, 2, 4, 1, 0f, 1L)).getMessage());
        assertEquals(new SyntheticDataWriter.Options(1000, 200, 64, 10, 0.5f, 42L),
                SyntheticDataWriter.Options.quickstart(1000));
    }
}
