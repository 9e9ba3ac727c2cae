package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.cli.TrainCommand;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.data.DatasetReader;
import io.sparkamp.spark.data.TrainingTables;
import io.sparkamp.spark.executor.ExecutorMemory;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.Map;

/**
 * What the project's Spark ML estimators share: Params made from the setting declarations (every setting of
 * {@code amp train} but the data path, plus Spark's column names), and a {@code fit} that trains exactly as
 * {@code amp train} does — the same data validation and Arrow cache, the same training loop, cadence,
 * checkpoints and summary ({@link TrainCommand#train}) — on the DataFrame it is given.
 *
 * @param <M> the model it fits
 * @param <S> the estimator itself, so setters chain
 */
public abstract class AmpEstimator<M extends AmpModel<M>, S extends AmpEstimator<M, S>> extends Estimator<M>
        implements MLWritable, StageSettings<S> {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final SettingParams params;

    protected AmpEstimator(String uid, boolean classifier, String defaultLoss) {
        this.uid = uid;
        this.params = new SettingParams(this, MlSettings.estimator(classifier));
        setDefault(params.of(EngineSettings.LOSS), defaultLoss);
    }

    /** The model this estimator makes of a training run's result. */
    protected abstract M newModel(String uid, TrainedModel trained);

    /** Refuses a loss this estimator cannot make a model of (a regressor needs one that predicts values, ...). */
    protected abstract void checkLoss(Loss loss);

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Param<?>[] params() {
        return params.all();
    }

    @Override
    public Param<Object> getParam(String name) {
        return params.get(name);
    }

    public S setLabelCol(String column) {
        return setSetting(JobSettings.LABEL_COL, column);
    }

    public S setModel(String spec) {
        return setSetting(EngineSettings.MODEL, spec);
    }

    public S setLr(float lr) {
        return setSetting(EngineSettings.LR, lr);
    }

    public S setBatchSize(int rows) {
        return setSetting(EngineSettings.BATCH_SIZE, rows);
    }

    public S setSteps(long steps) {
        return setSetting(EngineSettings.STEPS, steps);
    }

    public S setEpochs(float epochs) {
        return setSetting(EngineSettings.EPOCHS, epochs);
    }

    public S setSeed(long seed) {
        return setSetting(EngineSettings.SEED, seed);
    }

    public S setCheckpointDir(String directory) {
        return setSetting(JobSettings.CHECKPOINT_DIR, directory);
    }

    @Override
    public M fit(Dataset<?> dataset) {
        transformSchema(dataset.schema());
        JobConfig job = jobConfig();
        ModelSpec model;
        try {
            model = ModelSpec.parse(job.train().model());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(getClass().getSimpleName() + " param model: " + e.getMessage());
        }
        Loss loss = Losses.byName(job.train().loss());
        checkLoss(loss);
        SparkSession spark = dataset.sparkSession();
        long start = System.nanoTime();
        CachedTrainingData train = TrainingTables.validateAndCache(DatasetReader.fromFrame(dataset.toDF(), job.data(),
                "the DataFrame given to " + uid + ".fit"), model, loss, job.train().precision(), job.inputStorage(), job.partitions(),
                "training data", ExecutorMemory.SHARED_ROOT);
        CachedTrainingData test = null;
        try {
            if (job.testData() != null) {
                test = TrainingTables.loadAndCache(spark, job.testData(), model, loss, job.train().precision(), job.inputStorage(),
                        job.partitions(), "test data", 1, ExecutorMemory.SHARED_ROOT);
            }
            TrainingSummary.Recorder steps = new TrainingSummary.Recorder();
            TrainCommand.Outcome outcome = TrainCommand.train(job, spark, train, test, steps, start,
                    new PrintStream(OutputStream.nullOutputStream()));
            M fitted = newModel(uid, TrainedModel.fromRunState(outcome.state(), "the fit of " + uid));
            copyValues(fitted, ParamMap.empty());
            fitted.setParent(this);
            fitted.setSummary(new TrainingSummary(steps.steps(), outcome.summary()));
            return fitted;
        } finally {
            train.unpersist();
            if (test != null) {
                test.unpersist();
            }
            ExecutorMemory.releaseDecoded(); // executors in this JVM (local mode)
        }
    }

    /** The training job the Params describe: the settings the user set, as {@code amp train} would read them. */
    JobConfig jobConfig() {
        Settings s = params.explicitSettings(this);
        s.set(JobSettings.DATA.key(), "DataFrame(" + uid + ")", "fit");
        Param<String> loss = params.of(EngineSettings.LOSS);
        if (!isSet(loss)) {
            s.set(EngineSettings.LOSS.key(), $(loss), getClass().getSimpleName() + "'s default");
        }
        return JobConfig.from(s);
    }

    /** The label column must be numeric; the features must be where the Params say; the output columns must be free. */
    @Override
    public StructType transformSchema(StructType schema) {
        checkLoss(Losses.byName($(params.of(EngineSettings.LOSS))));
        String label = $(params.of(JobSettings.LABEL_COL));
        if (!Arrays.asList(schema.fieldNames()).contains(label)) {
            throw new ConfigException(getClass().getSimpleName() + " param labelCol: column '" + label + "' not found; the columns are "
                    + Arrays.toString(schema.fieldNames()));
        }
        if (!(schema.apply(label).dataType() instanceof NumericType)) {
            throw new ConfigException(getClass().getSimpleName() + " param labelCol: column '" + label + "' has type "
                    + schema.apply(label).dataType().simpleString() + "; it must be numeric (use a StringIndexer for text labels)");
        }
        M shape = newModel(uid, placeholder());
        copyValues(shape, ParamMap.empty());
        return shape.transformSchema(schema);
    }

    /** A model of the configured spec (weights all zero) for checking schemas before there are weights. */
    private TrainedModel placeholder() {
        ModelSpec spec;
        try {
            spec = ModelSpec.parse($(params.of(EngineSettings.MODEL)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException(getClass().getSimpleName() + " param model: " + e.getMessage());
        }
        return new TrainedModel(spec, $(params.of(EngineSettings.LOSS)), Precision.FP32, "auto", new float[spec.parameterCount()], 0,
                "the model spec of " + uid, Map.of(), Map.of());
    }

    @Override
    @SuppressWarnings("unchecked")
    public S copy(ParamMap extra) {
        return (S) defaultCopy(extra);
    }

    @Override
    public MLWriter write() {
        return new DefaultParamsWriter(this);
    }
}
