package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.nn.ParamView;
import io.sparkamp.core.nn.ParameterLayout;
import io.sparkamp.core.optim.OptimizerState;
import io.sparkamp.core.scaling.ScalerState;
import io.sparkamp.spark.json.Json;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Parquet checkpoints (docs/architecture.md §4), readable by Spark, pyarrow or pandas:
 *
 * <pre>
 *   DIR/step-00000100/tensors/*.parquet   group, name, offset, rows, cols, values: array&lt;float&gt;
 *                                          groups: "master" and "optimizer.&lt;slot&gt;" (e.g. optimizer.m)
 *   DIR/step-00000100/state/*.parquet     one row: counters, scaler state, optimizer kind/steps, model, config, provenance
 *   DIR/step-00000100/MANIFEST.json       every file with its size and SHA-256, written last
 * </pre>
 *
 * A checkpoint is written under a temporary name and renamed into place only after its manifest is
 * written, so a crash leaves the previous checkpoint loadable. Loading takes the newest directory whose
 * manifest exists and whose files match their checksums; anything else is skipped with a log line.
 * No Java serialization anywhere.
 */
public final class CheckpointStore {
    /** Version of the layout above; readers refuse newer ones. */
    public static final int FORMAT_VERSION = 1;
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointStore.class);
    private static final String MANIFEST = "MANIFEST.json";
    private static final String PREFIX = "step-";

    private final SparkSession spark;
    private final Path root;
    private final FileSystem fs;

    public CheckpointStore(SparkSession spark, String directory) {
        this.spark = spark;
        this.root = new Path(directory);
        try {
            Configuration hadoop = spark.sparkContext().hadoopConfiguration();
            this.fs = root.getFileSystem(hadoop);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open checkpoint directory " + directory, e);
        }
    }

    /** Writes {@code checkpoint} as DIR/step-NNNNNNNN and returns that path. */
    public String save(Checkpoint checkpoint, ParameterLayout layout) {
        String name = String.format("%s%08d", PREFIX, checkpoint.steps());
        Path target = new Path(root, name);
        Path temp = new Path(root, "_tmp-" + name + "-" + UUID.randomUUID());
        try {
            fs.mkdirs(root);
            writeTensors(checkpoint, layout, new Path(temp, "tensors"));
            writeState(checkpoint, new Path(temp, "state"));
            writeManifest(temp, checkpoint.steps());
            if (fs.exists(target)) {
                fs.delete(target, true); // a re-run of the same step replaces it; the new copy is complete already
            }
            if (!fs.rename(temp, target)) {
                throw new IOException("rename " + temp + " -> " + target + " failed");
            }
            LOG.info("checkpoint written: {}", target);
            return target.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint " + target, e);
        }
    }

    /** The newest complete checkpoint, if any. */
    public Optional<Checkpoint> loadNewest() {
        for (Path candidate : candidatesNewestFirst()) {
            String problem = verify(candidate);
            if (problem == null) {
                return Optional.of(load(candidate.toString()));
            }
            LOG.warn("skipping incomplete checkpoint {}: {}", candidate, problem);
        }
        return Optional.empty();
    }

    /** Loads the checkpoint at {@code path}, verifying its manifest first. */
    public Checkpoint load(String path) {
        Path dir = new Path(path);
        String problem = verify(dir);
        if (problem != null) {
            throw new IllegalArgumentException("checkpoint " + path + " is not complete: " + problem);
        }
        Row state = spark.read().parquet(new Path(dir, "state").toString()).collectAsList().get(0);
        int version = state.getInt(state.fieldIndex("format_version"));
        if (version > FORMAT_VERSION) {
            throw new IllegalArgumentException("checkpoint " + path + " has format version " + version
                    + "; this build reads up to " + FORMAT_VERSION);
        }
        Map<String, float[]> groups = readTensorGroups(new Path(dir, "tensors"));
        float[] master = groups.remove("master");
        if (master == null) {
            throw new IllegalArgumentException("checkpoint " + path + " has no master weights");
        }
        Map<String, float[]> slots = new TreeMap<>();
        groups.forEach((group, values) -> slots.put(group.substring("optimizer.".length()), values));
        OptimizerState optimizer = new OptimizerState(state.getString(state.fieldIndex("optimizer_kind")),
                state.getLong(state.fieldIndex("optimizer_internal_steps")), slots);
        ScalerState scaler = new ScalerState(state.getFloat(state.fieldIndex("loss_scale")),
                state.getInt(state.fieldIndex("growth_tracker")), state.getInt(state.fieldIndex("hysteresis_left")),
                state.getInt(state.fieldIndex("consecutive_skips")), state.getLong(state.fieldIndex("total_skips")));
        return new Checkpoint(dir.toString(), state.getLong(state.fieldIndex("steps")),
                state.getLong(state.fieldIndex("optimizer_steps")), state.getLong(state.fieldIndex("skipped_steps")),
                master, optimizer, scaler, state.getString(state.fieldIndex("model")),
                toStringMap(Json.parse(state.getString(state.fieldIndex("config")))),
                toStringMap(Json.parse(state.getString(state.fieldIndex("provenance")))));
    }

    private void writeTensors(Checkpoint checkpoint, ParameterLayout layout, Path out) {
        StructType schema = new StructType()
                .add("group", DataTypes.StringType, false)
                .add("name", DataTypes.StringType, false)
                .add("offset", DataTypes.IntegerType, false)
                .add("rows", DataTypes.IntegerType, false)
                .add("cols", DataTypes.IntegerType, false)
                .add("values", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        List<Row> rows = new ArrayList<>();
        addTensorRows(rows, "master", checkpoint.master(), layout);
        for (Map.Entry<String, float[]> slot : new TreeMap<>(checkpoint.optimizer().slots()).entrySet()) {
            addTensorRows(rows, "optimizer." + slot.getKey(), slot.getValue(), layout);
        }
        spark.createDataFrame(rows, schema).coalesce(1).write().parquet(out.toString());
    }

    private static void addTensorRows(List<Row> rows, String group, float[] flat, ParameterLayout layout) {
        if (flat.length != layout.totalSize()) {
            throw new IllegalArgumentException(group + " has " + flat.length + " values but the model has " + layout.totalSize());
        }
        for (ParamView view : layout.views()) {
            float[] values = java.util.Arrays.copyOfRange(flat, view.offset(), view.offset() + view.size());
            rows.add(RowFactory.create(group, view.name(), view.offset(), view.rows(), view.cols(), boxed(values)));
        }
    }

    private void writeState(Checkpoint c, Path out) {
        StructType schema = new StructType()
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
                .add("provenance", DataTypes.StringType, false);
        ScalerState s = c.scaler();
        Row row = RowFactory.create(FORMAT_VERSION, c.steps(), c.optimizerSteps(), c.skippedSteps(), c.optimizer().kind(),
                c.optimizer().steps(), s.scale(), s.growthTracker(), s.hysteresisLeft(), s.consecutiveSkips(), s.totalSkips(),
                c.model(), Json.line(c.config()), Json.line(c.provenance()));
        spark.createDataFrame(List.of(row), schema).coalesce(1).write().parquet(out.toString());
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

    private void writeManifest(Path dir, long steps) throws IOException {
        Map<String, Object> files = new TreeMap<>();
        for (FileStatus status : listFilesRecursively(dir)) {
            String relative = relativePath(dir, status.getPath());
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("bytes", status.getLen());
            entry.put("sha256", sha256(status.getPath()));
            files.put(relative, entry);
        }
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format_version", FORMAT_VERSION);
        manifest.put("steps", steps);
        manifest.put("files", files);
        try (FSDataOutputStream out = fs.create(new Path(dir, MANIFEST), false)) {
            out.write(Json.line(manifest).getBytes(StandardCharsets.UTF_8));
        }
    }

    /**
     * {@code file}'s path below {@code dir}, with '/' separators. Both are qualified first: a directory
     * given without a scheme and a listed file carrying {@code file:} would otherwise not relativize, and
     * the manifest would list absolute paths into the temporary directory that the rename removes.
     */
    String relativePath(Path dir, Path file) {
        String parent = fs.makeQualified(dir).toUri().getPath();
        String child = fs.makeQualified(file).toUri().getPath();
        String prefix = parent.endsWith("/") ? parent : parent + "/";
        if (!child.startsWith(prefix)) {
            throw new IllegalStateException(file + " is not inside " + dir);
        }
        return child.substring(prefix.length());
    }

    /** Null when {@code dir} holds a manifest and every file it lists with the right size and checksum. */
    @SuppressWarnings("unchecked")
    String verify(Path dir) {
        try {
            Path manifestPath = new Path(dir, MANIFEST);
            if (!fs.exists(manifestPath)) {
                return "no " + MANIFEST + " (the write did not finish)";
            }
            String text;
            try (FSDataInputStream in = fs.open(manifestPath)) {
                text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Map<String, Object> manifest = Json.parse(text);
            Map<String, Object> files = (Map<String, Object>) manifest.get("files");
            if (files == null || files.isEmpty()) {
                return MANIFEST + " lists no files";
            }
            for (Map.Entry<String, Object> file : files.entrySet()) {
                Path p = new Path(dir, file.getKey());
                Map<String, Object> entry = (Map<String, Object>) file.getValue();
                if (!fs.exists(p)) {
                    return "missing file " + file.getKey();
                }
                long bytes = ((Number) entry.get("bytes")).longValue();
                if (fs.getFileStatus(p).getLen() != bytes) {
                    return "file " + file.getKey() + " has " + fs.getFileStatus(p).getLen() + " bytes, manifest says " + bytes;
                }
                if (!sha256(p).equals(entry.get("sha256"))) {
                    return "checksum mismatch in " + file.getKey();
                }
            }
            return null;
        } catch (IOException | RuntimeException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    private List<Path> candidatesNewestFirst() {
        try {
            if (!fs.exists(root)) {
                return List.of();
            }
            List<Path> dirs = new ArrayList<>();
            for (FileStatus status : fs.listStatus(root)) {
                if (status.isDirectory() && status.getPath().getName().startsWith(PREFIX)) {
                    dirs.add(status.getPath());
                }
            }
            dirs.sort((a, b) -> b.getName().compareTo(a.getName()));
            return dirs;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint directory " + root, e);
        }
    }

    private List<FileStatus> listFilesRecursively(Path dir) throws IOException {
        List<FileStatus> out = new ArrayList<>();
        for (FileStatus status : fs.listStatus(dir)) {
            if (status.isDirectory()) {
                out.addAll(listFilesRecursively(status.getPath()));
            } else {
                out.add(status);
            }
        }
        return out;
    }

    private String sha256(Path file) throws IOException {
        try (FSDataInputStream in = fs.open(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            int n;
            while ((n = in.read(buffer)) > 0) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from this JVM", e);
        }
    }

    private static Float[] boxed(float[] values) {
        Float[] out = new Float[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }

    private static Map<String, String> toStringMap(Map<String, Object> raw) {
        Map<String, String> out = new LinkedHashMap<>();
        raw.forEach((k, v) -> out.put(k, v == null ? null : String.valueOf(v)));
        return out;
    }
}
