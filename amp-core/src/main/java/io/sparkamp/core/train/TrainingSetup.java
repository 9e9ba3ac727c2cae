package io.sparkamp.core.train;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmProviders;
import io.sparkamp.core.optim.Optimizer;
import io.sparkamp.core.scaling.LossScaler;

/**
 * The pieces of a run built from its config in one place, so the local trainer, the Spark driver and
 * the executors assemble them the same way: model, loss, autocast policy, GEMM kernel and the step
 * state machine for a run of {@code totalSteps} optimizer steps.
 */
public final class TrainingSetup {
    private final TrainConfig config;
    private final ModelSpec model;
    private final Loss loss;
    private final AutocastPolicy policy;
    private final Gemm gemm;
    private final long totalSteps;

    public TrainingSetup(TrainConfig config, long totalSteps) {
        this(config, totalSteps, Losses.byName(config.loss()));
    }

    /** A run with a loss of the caller's own (e.g. a weighted sum of losses) instead of the config's named one. */
    public TrainingSetup(TrainConfig config, long totalSteps, Loss loss) {
        if (totalSteps <= 0) {
            throw new IllegalArgumentException("a run needs at least one step, got " + totalSteps);
        }
        this.config = config;
        this.model = ModelSpec.parse(config.model());
        this.loss = loss;
        this.policy = AutocastPolicy.forPrecision(config.precision());
        // kernel=auto measures the candidates on this model's own multiplies at its micro-batch size.
        this.gemm = new Gemm(GemmProviders.select(config.kernel(), config.precision(), model.gemmShapes(config.microBatchSize())));
        this.totalSteps = totalSteps;
    }

    /** Steps of a run over {@code trainingRows} rows: the configured steps, or epochs × rows / batch rounded up. */
    public static long totalSteps(TrainConfig config, long trainingRows) {
        if (config.steps() > 0) {
            return config.steps();
        }
        return Math.max(1, (long) Math.ceil(config.epochs() * (double) trainingRows / config.batchSize()));
    }

    /** Step 0 of a new run: weights initialised from the seed, fresh optimizer and scaler. */
    public TrainingState freshState() {
        float[] master = model.initialize(config.seed());
        return TrainingState.fresh(master, config.optimizer().create(master.length), new LossScaler(config.scaler()));
    }

    /**
     * The live state of a run that continues from {@code saved} under this setup's config. What the saved state
     * cannot be continued under is refused with a {@link ConfigException} that names the setting and both values:
     * another model (the weights' layout), another optimizer kind (its slots), or a loss-scaler state that this
     * config's loss-scale settings could not have produced. Which setting changes a run may make at all is the
     * caller's policy; this only refuses what cannot work.
     */
    public TrainingState restore(RunState saved) {
        String expected = model.toSpecString();
        if (!expected.equals(saved.model())) {
            throw new ConfigException("model: the saved state holds model '" + saved.model() + "' but this run's model is '"
                    + expected + "'");
        }
        int parameters = model.parameterCount();
        if (saved.master().length != parameters) {
            throw new ConfigException("model: the saved state has " + saved.master().length + " master weights but model '"
                    + expected + "' has " + parameters);
        }
        String kind = config.optimizer().kind();
        if (!kind.equals(saved.optimizer().kind())) {
            throw new ConfigException("optimizer: the saved state holds " + saved.optimizer().kind()
                    + " state but this run's optimizer is " + kind);
        }
        Optimizer optimizer = config.optimizer().create(parameters);
        LossScaler scaler;
        try {
            optimizer.restore(saved.optimizer());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("optimizer: the saved " + kind + " state does not fit this run's settings: " + e.getMessage());
        }
        try {
            scaler = new LossScaler(config.scaler(), saved.scaler());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("loss-scale: the saved loss-scaler state does not fit this run's loss-scale settings: "
                    + e.getMessage());
        }
        TrainingState state = new TrainingState(saved.master().clone(), optimizer, scaler, saved.steps(),
                saved.optimizerSteps(), saved.skippedSteps());
        state.extras().putAll(saved.extras());
        return state;
    }

    /** The step state machine for this run. */
    public OptimizerStep stepMachine() {
        return new OptimizerStep(config.scheduleFor(totalSteps).create(), config.clipNorm(), config.scheduleOnSkip());
    }

    /** A new worker (one per thread or task), with its own helper threads when task-threads > 1. */
    public PartitionWorker newWorker() {
        return new PartitionWorker(model, loss, policy, gemm, config.microBatchSize(), config.taskThreads(),
                () -> workerSpec().singleThreaded().newWorker());
    }

    /** An evaluator for this run's model. */
    public Evaluator evaluator() {
        return new Evaluator(model, loss, policy, gemm, config.microBatchSize());
    }

    /** What executors need to build the same workers, with the kernel the driver chose (executors do not measure again). */
    public WorkerSpec workerSpec() {
        return WorkerSpec.of(config).withKernel(gemm.kernel().name());
    }

    public TrainConfig config() {
        return config;
    }

    public ModelSpec model() {
        return model;
    }

    public Loss loss() {
        return loss;
    }

    public AutocastPolicy policy() {
        return policy;
    }

    public Gemm gemm() {
        return gemm;
    }

    public long totalSteps() {
        return totalSteps;
    }
}
