package io.sparkamp.spark.inference;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.train.RunState;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What scoring and export need of a trained run, and nothing else: the model spec, the loss (it decides
 * the output head), the precision the run trained in, the GEMM kernel setting, the FP32 master weights
 * and how the model was made (config and provenance). Read from a checkpoint, so every surface that
 * applies a model depends on this one small class rather than on the checkpoint's whole layout.
 */
public final class TrainedModel {
    private final ModelSpec spec;
    private final String loss;
    private final Precision precision;
    private final String kernel;
    private final float[] weights;
    private final long steps;
    private final String source;
    private final Map<String, String> config;
    private final Map<String, String> provenance;
    /** The whole run state the weights came with (optimizer and scaler too), when they came from a run; else null. */
    private final RunState state;

    /**
     * @param spec       the network
     * @param loss       the loss name it was trained with (softmax_ce, bce_logits, mse)
     * @param precision  the precision it trained in (scoring's default)
     * @param kernel     the GEMM kernel setting ("auto" picks the fastest that loads)
     * @param weights    FP32 master weights, {@code spec.parameterCount()} of them
     * @param steps      optimizer steps the weights have seen
     * @param source     where it was loaded from, for messages and provenance
     * @param config     the run's resolved settings
     * @param provenance versions, seed, data fingerprint
     */
    public TrainedModel(ModelSpec spec, String loss, Precision precision, String kernel, float[] weights, long steps,
                        String source, Map<String, String> config, Map<String, String> provenance) {
        this(spec, loss, precision, kernel, weights, steps, source, config, provenance, null);
    }

    private TrainedModel(ModelSpec spec, String loss, Precision precision, String kernel, float[] weights, long steps,
                         String source, Map<String, String> config, Map<String, String> provenance, RunState state) {
        Losses.byName(loss); // fails with the known names
        if (weights.length != spec.parameterCount()) {
            throw new IllegalArgumentException("model '" + spec.toSpecString() + "' has " + spec.parameterCount()
                    + " parameters but " + source + " holds " + weights.length + " weights");
        }
        this.spec = spec;
        this.loss = loss;
        this.precision = precision;
        this.kernel = kernel;
        this.weights = weights.clone();
        this.steps = steps;
        this.source = source;
        this.config = Collections.unmodifiableMap(new LinkedHashMap<>(config));
        this.provenance = Collections.unmodifiableMap(new LinkedHashMap<>(provenance));
        this.state = state;
    }

    /** The model a checkpoint holds. */
    public static TrainedModel fromCheckpoint(Checkpoint checkpoint) {
        return fromRunState(checkpoint.state(), checkpoint.path());
    }

    /** The model of a run's state (e.g. at the end of a training run); {@code source} names it in messages. */
    public static TrainedModel fromRunState(RunState state, String source) {
        Map<String, String> config = state.config();
        String where = "checkpoint " + source;
        ModelSpec spec;
        try {
            spec = ModelSpec.parse(state.model());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(where + ": " + e.getMessage());
        }
        Precision precision;
        try {
            precision = Precision.parse(config.getOrDefault("precision", "fp32"), where + " config 'precision'");
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        return new TrainedModel(spec, config.getOrDefault("loss", "softmax_ce"), precision, config.getOrDefault("kernel", "auto"),
                state.master(), state.steps(), source, config, state.provenance(), state);
    }

    /**
     * The model at {@code path}: a checkpoint directory (it holds a MANIFEST.json), or a run's checkpoint
     * directory, whose newest complete checkpoint is taken. Any Hadoop path works.
     *
     * @throws ConfigException when nothing loadable is there
     */
    public static TrainedModel load(SparkSession spark, String path) {
        if (path == null || path.isBlank()) {
            throw new ConfigException("--checkpoint: a checkpoint path is required");
        }
        Path dir = new Path(path);
        try {
            FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (!fs.exists(dir)) {
                throw new ConfigException("--checkpoint: no such directory " + path);
            }
            if (fs.exists(new Path(dir, "MANIFEST.json"))) {
                Path root = dir.getParent() == null ? dir : dir.getParent();
                return fromCheckpoint(new CheckpointStore(spark, root.toString()).load(path));
            }
        } catch (IOException e) {
            throw new ConfigException("--checkpoint: cannot read " + path + ": " + e.getMessage());
        } catch (ConfigException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw new ConfigException("--checkpoint: " + e.getMessage());
        }
        return new CheckpointStore(spark, path).loadNewest().map(TrainedModel::fromCheckpoint)
                .orElseThrow(() -> new ConfigException("--checkpoint: no complete checkpoint in " + path
                        + " (expected a step-NNNNNNNN directory with a MANIFEST.json, or a --checkpoint-dir holding some)"));
    }

    public ModelSpec spec() {
        return spec;
    }

    /** The loss name. */
    public String loss() {
        return loss;
    }

    /** The loss as the engine computes it. */
    public Loss lossFunction() {
        return Losses.byName(loss);
    }

    /** The precision the model trained in. */
    public Precision precision() {
        return precision;
    }

    public String kernel() {
        return kernel;
    }

    /** A copy of the FP32 master weights. */
    public float[] weights() {
        return weights.clone();
    }

    /** The weights without a copy, for callers in this package that only read them. */
    float[] weightsView() {
        return weights;
    }

    public long steps() {
        return steps;
    }

    /** Where the model came from (a checkpoint path). */
    public String source() {
        return source;
    }

    public Map<String, String> config() {
        return config;
    }

    public Map<String, String> provenance() {
        return provenance;
    }

    /** The run state the weights came with (to save the model as a checkpoint), if they came from a run. */
    public Optional<RunState> runState() {
        return Optional.ofNullable(state);
    }

    /** Features per row the model reads. */
    public int inputSize() {
        return spec.inputSize();
    }

    /** Values per row the network writes. */
    public int outputSize() {
        return spec.outputSize();
    }

    @Override
    public String toString() {
        return "TrainedModel[" + spec.toSpecString() + ", " + loss + ", " + precision.label() + ", step " + steps + ", " + source + "]";
    }
}
