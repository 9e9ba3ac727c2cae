package io.sparkamp.spark.datasets;

import io.sparkamp.spark.data.ValidationRules;
import static org.hamcrest.CoreMatchers.containsString;
import static org.hamcrest.MatcherAssert.assertThat;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.data.DataSpec;
import io.sparkamp.spark.data.DataValidator;
import io.sparkamp.spark.data.DatasetReader;
import io.sparkamp.spark.data.SparkDataTestBase;
import io.sparkamp.spark.data.TrainingTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

public class FashionMnistConverterTest extends SparkDataTestBase {
    @TempDir
    Path tmp;

    /** Image {@code i}: pixel j = (7 * i + j) mod 256, label (3 * i) mod 10. */
    private static void writeSplit(Path dir, String prefix, int n, int labelCount) throws Exception {
        byte[] pixels = new byte[n * 784];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < 784; j++) {
                pixels[i * 784 + j] = (byte) ((7 * i + j) % 256);
            }
        }
        byte[] labels = new byte[labelCount];
        for (int i = 0; i < labelCount; i++) {
            labels[i] = (byte) ((3 * i) % 10);
        }
        IdxFileTest.writeIdx(dir.resolve(prefix + "-images-idx3-ubyte.gz"), 0x08, new int[] {n, 28, 28}, pixels, true);
        IdxFileTest.writeIdx(dir.resolve(prefix + "-labels-idx1-ubyte.gz"), 0x08, new int[] {labelCount}, labels, true);
    }

    @Test
    public void roundTripOfTinyIdxFiles() throws Exception {
        Path src = newFolder(tmp, "src").toPath();
        writeSplit(src, "train", 5, 5);
        writeSplit(src, "t10k", 3, 3);
        String out = tmp.toFile() + "/out";

        DatasetSummary summary = FashionMnistConverter.convert(spark(), src, out, false);

        assertEquals(new DatasetSummary(out + "/train", 5, out + "/test", 3, 784, 10), summary);
        Dataset<Row> train = spark().read().parquet(out + "/train");
        assertEquals("struct<label:int,features:array<float>>", train.schema().simpleString());
        List<Row> rows = train.collectAsList();
        assertEquals(5, rows.size());
        for (int i = 0; i < 5; i++) {
            assertEquals((3 * i) % 10, rows.get(i).getInt(0));
            List<Object> f = rows.get(i).getList(1);
            assertEquals(784, f.size());
            for (int j : new int[] {0, 1, 255, 783}) {
                assertEquals(((7 * i + j) % 256) / 255f, (Float) f.get(j), 0f);
            }
        }
        assertEquals(3, spark().read().parquet(out + "/test").count());

        // The output is a dataset the reader and validator accept as is.
        TrainingTable t = DatasetReader.read(spark(), DataSpec.of(out + "/train", DataSpec.Format.PARQUET));
        DataValidator.validate(t, 784, ValidationRules.classification(10));

        ConfigException again = assertThrows(ConfigException.class,
                () -> FashionMnistConverter.convert(spark(), src, out, false));
        assertThat(again.getMessage(), containsString(out + "/train already exists"));
    }

    @Test
    public void mismatchedCountsAndBadLabelsNameTheFiles() throws Exception {
        Path src = newFolder(tmp, "bad").toPath();
        writeSplit(src, "train", 4, 3);
        writeSplit(src, "t10k", 2, 2);
        ConfigException counts = assertThrows(ConfigException.class,
                () -> FashionMnistConverter.convert(spark(), src, tmp.toFile() + "/o1", false));
        assertThat(counts.getMessage(), containsString(src.resolve("train-labels-idx1-ubyte.gz").toString()));
        assertThat(counts.getMessage(), containsString("4 images but 3 labels"));

        IdxFileTest.writeIdx(src.resolve("train-labels-idx1-ubyte.gz"), 0x08, new int[] {4}, new byte[] {1, 2, 10, 3}, true);
        ConfigException label = assertThrows(ConfigException.class,
                () -> FashionMnistConverter.convert(spark(), src, tmp.toFile() + "/o2", false));
        assertThat(label.getMessage(), containsString("label 2 is 10"));

        Files.delete(src.resolve("t10k-images-idx3-ubyte.gz"));
        IdxFileTest.writeIdx(src.resolve("train-labels-idx1-ubyte.gz"), 0x08, new int[] {4}, new byte[] {1, 2, 0, 3}, true);
        ConfigException missing = assertThrows(ConfigException.class,
                () -> FashionMnistConverter.convert(spark(), src, tmp.toFile() + "/o3", false));
        assertThat(missing.getMessage(), containsString("t10k-images-idx3-ubyte.gz not found"));
        assertThat(missing.getMessage(), containsString("t10k-labels-idx1-ubyte.gz"));
    }

    @Test
    public void imagesMustBe28By28() throws Exception {
        Path src = newFolder(tmp, "small").toPath();
        IdxFileTest.writeIdx(src.resolve("train-images-idx3-ubyte.gz"), 0x08, new int[] {1, 2, 2}, new byte[4], true);
        IdxFileTest.writeIdx(src.resolve("train-labels-idx1-ubyte.gz"), 0x08, new int[] {1}, new byte[1], true);
        ConfigException e = assertThrows(ConfigException.class,
                () -> FashionMnistConverter.convert(spark(), src, tmp.toFile() + "/o", false));
        assertThat(e.getMessage(), containsString("images are 2x2"));
    }
}
