package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.ParamView;
import io.sparkamp.core.nn.ParameterLayout;
import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.core.train.RunState;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link RunState} as Parquet files that any Parquet reader (Spark, pyarrow, pandas) can open:
 *
 * <pre>
 *   tensors/*.parquet   group, name, offset, rows, cols, values: array&lt;float&gt;, one row per parameter tensor;
 *                       groups: "master" and "optimizer.&lt;slot&gt;" (e.g. optimizer.m)
 *   state/*.parquet     one row: format_version, step counters, optimizer kind and step, the scaler state,
 *                       model spec, and config, provenance and extras as JSON objects
 * </pre>
 *
 * Floats are stored as they are, so a state read back is the state written, to the bit.
 */
final class CheckpointCodec {
    /** Version of the layout above; readers refuse newer ones. Version 1 had no extras column and no run id. */
    static final int FORMAT_VERSION = 2;
    static final String TENSORS = "tensors";
    static final String STATE = "state";
    private static final String MASTER = "master";
    private static final String SLOT_PREFIX = "optimizer.";

    private static final StructType TENSOR_SCHEMA = new StructType()
            .add("group", DataTypes.StringType, false)
            .add("name", DataTypes.StringType, false)
            .add("offset", DataTypes.IntegerType, false)
            .add("rows", DataTypes.IntegerType, false)
            .add("cols", DataTypes.IntegerType, false)
            .add("values", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private static final StructType STATE_SCHEMA = new StructType()
            .add("format_version", DataTypes.IntegerType, false)
            .add("steps", DataTypes.LongType, false)
            .add("optimizer_steps", DataTypes.LongType, false)
            .add("skipped_steps", DataTypes.LongType, false)
            .add("optimizer_kind", DataTypes.StringType, false)
            .add("optimizer_internal_steps", DataTypes.LongType, false)
            .add("loss_scale", DataTypes.FloatType, false)
            .add("growth_tracker", DataTypes.IntegerType, false)
            .add("hysteresis_left", DataTypes.IntegerType, false)
            .add("consecutive_skips", DataTypes.IntegerType, false)
            .add("total_skips", DataTypes.LongType, false)
            .add("model", DataTypes.StringType, false)
            .add("config", DataTypes.StringType, false)
            .add("provenance", DataTypes.StringType, false)
            .add("extras", DataTypes.StringType, false);

    private final SparkSession spark;

    CheckpointCodec(SparkSession spark) {
        this.spark = spark;
    }

    /**
     * Writes {@code state} as {@code dir}/tensors and {@code dir}/state, from the driver straight to the file system:
     * no Spark task carries the tensors ({@link ParquetRows}).
     */
    void write(RunState state, Path dir) throws IOException {
        ParameterLayout layout = ModelSpec.parse(state.model()).layout();
        List<Object[]> rows = new ArrayList<>();
        addTensorRows(rows, MASTER, state.master(), layout);
        for (Map.Entry<String, float[]> slot : new TreeMap<>(state.optimizer().slots()).entrySet()) {
            addTensorRows(rows, SLOT_PREFIX + slot.getKey(), slot.getValue(), layout);
        }
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        ParquetRows.write(conf, new Path(dir, TENSORS), TENSOR_SCHEMA, rows);

        ScalerState s = state.scaler();
        OptimizerState o = state.optimizer();
        Object[] row = {FORMAT_VERSION, state.steps(), state.optimizerSteps(), state.skippedSteps(), o.kind(),
                o.steps(), s.scale(), s.growthTracker(), s.hysteresisLeft(), s.consecutiveSkips(), s.totalSkips(),
                state.model(), Json.line(state.config()), Json.line(state.provenance()), Json.line(state.extras())};
        ParquetRows.write(conf, new Path(dir, STATE), STATE_SCHEMA, List.<Object[]>of(row));
    }

    /**
     * Reads the state written by {@link #write} (or by format version 1, or by Spark's own writer as earlier
     * builds did) from {@code dir}; {@code name} is for errors.
     */
    RunState read(Path dir, String name) throws IOException {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        List<Map<String, Object>> states = ParquetRows.read(conf, new Path(dir, STATE));
        if (states.size() != 1) {
            throw new IllegalArgumentException("checkpoint " + name + " has " + states.size() + " state rows, not 1");
        }
        Map<String, Object> state = states.get(0);
        String where = "the state of checkpoint " + name;
        int version = (Integer) field(state, "format_version", where);
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException("checkpoint " + name + " has format version " + version
                    + "; this build reads up to " + FORMAT_VERSION);
        }
        Map<String, float[]> groups = readTensorGroups(ParquetRows.read(conf, new Path(dir, TENSORS)), "the tensors of checkpoint " + name);
        float[] master = groups.remove(MASTER);
        if (master == null) {
            throw new IllegalArgumentException("checkpoint " + name + " has no master weights");
        }
        Map<String, float[]> slots = new TreeMap<>();
        groups.forEach((group, values) -> slots.put(group.substring(SLOT_PREFIX.length()), values));
        OptimizerState optimizer = new OptimizerState((String) field(state, "optimizer_kind", where),
                (Long) field(state, "optimizer_internal_steps", where), slots);
        ScalerState scaler = new ScalerState((Float) field(state, "loss_scale", where),
                (Integer) field(state, "growth_tracker", where), (Integer) field(state, "hysteresis_left", where),
                (Integer) field(state, "consecutive_skips", where), (Long) field(state, "total_skips", where));
        Object extras = state.get("extras"); // format version 1 had no extras column
        return new RunState((Long) field(state, "steps", where), (Long) field(state, "optimizer_steps", where),
                (Long) field(state, "skipped_steps", where), master, optimizer, scaler,
                (String) field(state, "model", where),
                JsonMaps.readStrings((String) field(state, "config", where)),
                JsonMaps.readStrings((String) field(state, "provenance", where)),
                extras == null ? Map.of() : JsonMaps.readStrings((String) extras));
    }

    /** The value of {@code column} in {@code row}, a row of {@code where} (for the error when it is missing). */
    private static Object field(Map<String, Object> row, String column, String where) {
        Object value = row.get(column);
        if (value == null) {
            throw new IllegalArgumentException(where + " has no column " + column);
        }
        return value;
    }

    private static void addTensorRows(List<Object[]> rows, String group, float[] flat, ParameterLayout layout) {
        if (flat.length != layout.totalSize()) {
            throw new IllegalArgumentException(group + " has " + flat.length + " values but the model has " + layout.totalSize());
        }
        for (ParamView view : layout.views()) {
            float[] values = Arrays.copyOfRange(flat, view.offset(), view.offset() + view.size());
            rows.add(new Object[] {group, view.name(), view.offset(), view.rows(), view.cols(), values});
        }
    }

    private static Map<String, float[]> readTensorGroups(List<Map<String, Object>> rows, String where) {
        Map<String, List<Map<String, Object>>> byGroup = new TreeMap<>();
        for (Map<String, Object> row : rows) {
            byGroup.computeIfAbsent((String) field(row, "group", where), g -> new ArrayList<>()).add(row);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        byGroup.forEach((group, tensors) -> {
            int total = 0;
            for (Map<String, Object> r : tensors) {
                total = Math.max(total, (Integer) field(r, "offset", where) + (Integer) field(r, "rows", where) * (Integer) field(r, "cols", where));
            }
            float[] flat = new float[total];
            for (Map<String, Object> r : tensors) {
                float[] values = (float[]) field(r, "values", where);
                System.arraycopy(values, 0, flat, (Integer) field(r, "offset", where), values.length);
            }
            out.put(group, flat);
        });
        return out;
    }
}
