package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.core.train.RunState;
import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A checkpoint's files are written and read by the driver alone: saving starts no Spark job (none carries the
 * tensors, which a cluster refuses past {@code spark.rpc.message.maxSize}), and loading tensors larger than
 * {@code spark.driver.maxResultSize} (set to 1 MiB here, against 9.5 MB of tensors) works, bit for bit. Spark still
 * reads the files as the documented tables, column types and values included; their pages are uncompressed; and
 * lists in the layout Spark writes with {@code writeLegacyFormat} read as float arrays too.
 */
public class CheckpointFilesTest extends AmpSparkTestBase {
    /** 784 x 1000 + 1000 + 1000 x 10 + 10 = 795,010 parameters; master and Adam's two slots: 9.5 MB. */
    private static final String MODEL = "mlp 784-1000-10 relu";

    @TempDir
    Path tmp;

    @Override
    public SparkConf conf() {
        return super.conf().set("spark.driver.maxResultSize", "1m");
    }

    private static RunState state() {
        int size = ModelSpec.parse(MODEL).layout().totalSize();
        SplittableRandom random = new SplittableRandom(11);
        float[][] arrays = new float[3][size];
        for (float[] a : arrays) {
            for (int i = 0; i < size; i++) {
                a[i] = (float) random.nextGaussian();
            }
        }
        arrays[0][5] = Float.MIN_VALUE; // a subnormal and a negative zero come back as they were
        arrays[1][7] = -0f;
        return new RunState(12, 11, 1, arrays[0], new OptimizerState("adam", 11, Map.of("m", arrays[1], "v", arrays[2])),
                new ScalerState(32768f, 3, 1, 0, 1), MODEL, Map.of("lr", "0.003"), Map.of("data", "d"), Map.of("k", "v"));
    }

    @Test
    public void savingStartsNoSparkJobAndLoadingPassesTheResultSizeLimit() throws Exception {
        AtomicInteger jobs = new AtomicInteger();
        SparkListener counter = new SparkListener() {
            @Override
            public void onJobStart(SparkListenerJobStart jobStart) {
                jobs.incrementAndGet();
            }
        };
        spark().sparkContext().addSparkListener(counter);
        RunState written = state();
        CheckpointStore store = new CheckpointStore(spark(), tmp.toString());
        String path;
        try {
            path = store.save(written, "run-1");
            spark().sparkContext().listenerBus().waitUntilEmpty();
        } finally {
            spark().sparkContext().removeSparkListener(counter);
        }
        assertEquals(0, jobs.get(), "Spark jobs started while saving");

        Checkpoint loaded = store.load(path);
        TrainRuns.assertSameState(new Checkpoint(path, "run-1", written), loaded);
        assertEquals("run-1", loaded.runId());
        assertEquals(written.model(), loaded.model());
        assertEquals(written.config(), loaded.config());
        assertEquals(written.provenance(), loaded.provenance());
        assertEquals(written.extras(), loaded.state().extras());
    }

    /** Files Spark wrote with its legacy list layout (two levels, nullable elements) read as the same float arrays. */
    @Test
    public void listsInSparksLegacyLayoutReadAsFloatArrays() throws Exception {
        StructType schema = new StructType().add("name", DataTypes.StringType, false)
                .add("values", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        List<Row> rows = List.of(RowFactory.create("a", new Float[] {1.5f, -0f, Float.MIN_VALUE}),
                RowFactory.create("empty", new Float[0]));
        String dir = tmp.resolve("legacy").toString();
        spark().conf().set("spark.sql.parquet.writeLegacyFormat", "true");
        try {
            spark().createDataFrame(rows, schema).coalesce(1).write().parquet(dir);
        } finally {
            spark().conf().unset("spark.sql.parquet.writeLegacyFormat");
        }
        List<Map<String, Object>> read = ParquetRows.read(spark().sparkContext().hadoopConfiguration(), new org.apache.hadoop.fs.Path(dir));
        Map<String, float[]> byName = new TreeMap<>();
        read.forEach(r -> byName.put((String) r.get("name"), (float[]) r.get("values")));
        assertEquals(List.of("a", "empty"), List.copyOf(byName.keySet()));
        assertArrayEquals(new float[] {1.5f, -0f, Float.MIN_VALUE}, byName.get("a"));
        assertArrayEquals(new float[0], byName.get("empty"));
    }

    @Test
    public void sparkReadsTheFilesAsTheDocumentedTables() throws Exception {
        RunState written = state();
        String path = new CheckpointStore(spark(), tmp.toString()).save(written, "run-1");

        Dataset<Row> tensors = spark().read().parquet(path + "/" + CheckpointCodec.TENSORS);
        // Spark reads every file-based column as nullable, whatever the file declares (its own files too).
        StructType expected = new StructType()
                .add("group", DataTypes.StringType)
                .add("name", DataTypes.StringType)
                .add("offset", DataTypes.IntegerType)
                .add("rows", DataTypes.IntegerType)
                .add("cols", DataTypes.IntegerType)
                .add("values", DataTypes.createArrayType(DataTypes.FloatType));
        assertEquals(expected, tensors.schema());
        List<Row> rows = tensors.where("name like '%.bias'").collectAsList();
        assertEquals(6, rows.size(), "two bias tensors in each of master, optimizer.m and optimizer.v");
        for (Row row : rows) {
            String group = row.getString(0);
            float[] flat = group.equals("master") ? written.master() : written.optimizer().slots().get(group.substring("optimizer.".length()));
            int offset = row.getInt(2);
            List<Float> values = row.getList(5);
            float[] actual = new float[values.size()];
            for (int i = 0; i < actual.length; i++) {
                actual[i] = values.get(i);
            }
            assertEquals(row.getInt(3) * row.getInt(4), actual.length, row.getString(1));
            assertArrayEquals(Arrays.copyOfRange(flat, offset, offset + actual.length), actual, group + " " + row.getString(1));
        }

        Row state = spark().read().parquet(path + "/" + CheckpointCodec.STATE).collectAsList().get(0);
        // Uncompressed pages: parquet-hadoop's Snappy decompressor took a JVM's first load of large tensors minutes.
        org.apache.hadoop.fs.Path file = new org.apache.hadoop.fs.Path(path + "/" + CheckpointCodec.TENSORS + "/" + ParquetRows.FILE);
        try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, spark().sparkContext().hadoopConfiguration()))) {
            for (BlockMetaData block : reader.getFooter().getBlocks()) {
                for (ColumnChunkMetaData column : block.getColumns()) {
                    assertEquals(CompressionCodecName.UNCOMPRESSED, column.getCodec(), column.getPath().toDotString());
                }
            }
        }
        assertEquals(CheckpointCodec.FORMAT_VERSION, state.getInt(state.fieldIndex("format_version")));
        assertEquals(12L, state.getLong(state.fieldIndex("steps")));
        assertEquals(32768f, state.getFloat(state.fieldIndex("loss_scale")));
        assertEquals("adam", state.getString(state.fieldIndex("optimizer_kind")));
        assertEquals(MODEL, state.getString(state.fieldIndex("model")));
    }
}
