package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.ParamView;
import io.sparkamp.core.nn.ParameterLayout;
import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.core.train.RunState;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

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

    /** Writes {@code state} as {@code dir}/tensors and {@code dir}/state. */
    void write(RunState state, Path dir) {
        ParameterLayout layout = ModelSpec.parse(state.model()).layout();
        List<Row> rows = new ArrayList<>();
        addTensorRows(rows, MASTER, state.master(), layout);
        for (Map.Entry<String, float[]> slot : new TreeMap<>(state.optimizer().slots()).entrySet()) {
            addTensorRows(rows, SLOT_PREFIX + slot.getKey(), slot.getValue(), layout);
        }
        spark.createDataFrame(rows, TENSOR_SCHEMA).coalesce(1).write().parquet(new Path(dir, TENSORS).toString());

        ScalerState s = state.scaler();
        OptimizerState o = state.optimizer();
        Row row = RowFactory.create(FORMAT_VERSION, state.steps(), state.optimizerSteps(), state.skippedSteps(), o.kind(),
                o.steps(), s.scale(), s.growthTracker(), s.hysteresisLeft(), s.consecutiveSkips(), s.totalSkips(),
                state.model(), Json.line(state.config()), Json.line(state.provenance()), Json.line(state.extras()));
        spark.createDataFrame(List.of(row), STATE_SCHEMA).coalesce(1).write().parquet(new Path(dir, STATE).toString());
    }

    /** Reads the state written by {@link #write} (or by format version 1) from {@code dir}; {@code name} is for errors. */
    RunState read(Path dir, String name) {
        Row state = spark.read().parquet(new Path(dir, STATE).toString()).collectAsList().get(0);
        int version = state.getInt(state.fieldIndex("format_version"));
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException("checkpoint " + name + " has format version " + version
                    + "; this build reads up to " + FORMAT_VERSION);
        }
        Map<String, float[]> groups = readTensorGroups(new Path(dir, TENSORS));
        float[] master = groups.remove(MASTER);
        if (master == null) {
            throw new IllegalArgumentException("checkpoint " + name + " has no master weights");
        }
        Map<String, float[]> slots = new TreeMap<>();
        groups.forEach((group, values) -> slots.put(group.substring(SLOT_PREFIX.length()), values));
        OptimizerState optimizer = new OptimizerState(state.getString(state.fieldIndex("optimizer_kind")),
                state.getLong(state.fieldIndex("optimizer_internal_steps")), slots);
        ScalerState scaler = new ScalerState(state.getFloat(state.fieldIndex("loss_scale")),
                state.getInt(state.fieldIndex("growth_tracker")), state.getInt(state.fieldIndex("hysteresis_left")),
                state.getInt(state.fieldIndex("consecutive_skips")), state.getLong(state.fieldIndex("total_skips")));
        boolean hasExtras = Arrays.asList(state.schema().fieldNames()).contains("extras");
        return new RunState(state.getLong(state.fieldIndex("steps")), state.getLong(state.fieldIndex("optimizer_steps")),
                state.getLong(state.fieldIndex("skipped_steps")), master, optimizer, scaler,
                state.getString(state.fieldIndex("model")),
                JsonMaps.readStrings(state.getString(state.fieldIndex("config"))),
                JsonMaps.readStrings(state.getString(state.fieldIndex("provenance"))),
                hasExtras ? JsonMaps.readStrings(state.getString(state.fieldIndex("extras"))) : Map.of());
    }

    private static void addTensorRows(List<Row> rows, String group, float[] flat, ParameterLayout layout) {
        if (flat.length != layout.totalSize()) {
            throw new IllegalArgumentException(group + " has " + flat.length + " values but the model has " + layout.totalSize());
        }
        for (ParamView view : layout.views()) {
            float[] values = Arrays.copyOfRange(flat, view.offset(), view.offset() + view.size());
            rows.add(RowFactory.create(group, view.name(), view.offset(), view.rows(), view.cols(), boxed(values)));
        }
    }

    private Map<String, float[]> readTensorGroups(Path tensors) {
        Map<String, List<Row>> byGroup = new TreeMap<>();
        for (Row row : spark.read().parquet(tensors.toString()).collectAsList()) {
            byGroup.computeIfAbsent(row.getString(row.fieldIndex("group")), g -> new ArrayList<>()).add(row);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        byGroup.forEach((group, rows) -> {
            int total = 0;
            for (Row r : rows) {
                total = Math.max(total, r.getInt(r.fieldIndex("offset")) + r.getInt(r.fieldIndex("rows")) * r.getInt(r.fieldIndex("cols")));
            }
            float[] flat = new float[total];
            for (Row r : rows) {
                List<Float> values = r.getList(r.fieldIndex("values"));
                int offset = r.getInt(r.fieldIndex("offset"));
                for (int i = 0; i < values.size(); i++) {
                    flat[offset + i] = values.get(i);
                }
            }
            out.put(group, flat);
        });
        return out;
    }

    private static Float[] boxed(float[] values) {
        Float[] out = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
