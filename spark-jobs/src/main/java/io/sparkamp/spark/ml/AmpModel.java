package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.inference.BatchInference;
import io.sparkamp.spark.inference.PredictCommand;
import io.sparkamp.spark.inference.ScoringOptions;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the project's Spark ML models share: a {@link TrainedModel} (weights, spec, loss, precision,
 * provenance), Params for where the features are, the output columns and the scoring precision, a
 * {@code transform} that scores on the executors with {@link BatchInference} (lazy, batched, streaming-safe),
 * and save/load in Spark's layout with the weights as a Parquet checkpoint ({@link ModelFiles}).
 *
 * @param <M> the model itself
 */
public abstract class AmpModel<M extends AmpModel<M>> extends Model<M> implements MLWritable, StageSettings<M> {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final SettingParams params;
    private final TrainedModel trained;
    private TrainingSummary summary;

    protected AmpModel(String uid, TrainedModel trained, boolean classifier) {
        this.uid = uid;
        this.trained = trained;
        this.params = new SettingParams(this, MlSettings.model(classifier));
    }

    /** The same model with another uid (a copy), for {@link #copy}. */
    protected abstract M newModel(String uid, TrainedModel trained);

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

    /** The weights, model spec, loss, training precision and provenance. */
    public TrainedModel trainedModel() {
        return trained;
    }

    /** Features per row the model reads. */
    public int numFeatures() {
        return trained.inputSize();
    }

    /** Whether a training summary is there (a model fitted in this session; not one loaded from disk). */
    public boolean hasSummary() {
        return summary != null;
    }

    /** The summary of the fit that made this model. */
    public TrainingSummary summary() {
        if (summary == null) {
            throw new ConfigException("no training summary for " + uid + ": only a model fitted in this session has one");
        }
        return summary;
    }

    void setSummary(TrainingSummary summary) {
        this.summary = summary;
    }

    /** How {@link #transform} scores, from the Params. */
    ScoringOptions scoringOptions() {
        Param<String> featureCols = params.of(JobSettings.FEATURE_COLS);
        String cols = isDefined(featureCols) ? $(featureCols) : null;
        ScoringOptions options = ScoringOptions.defaults().withBatchRows($(params.of(PredictCommand.BATCH_ROWS)));
        options = cols == null || cols.isBlank() ? options.withFeaturesCol($(params.of(JobSettings.FEATURES_COL)))
                : options.withFeatureCols(Arrays.stream(cols.split(",")).map(String::trim).filter(c -> !c.isEmpty())
                .collect(Collectors.toList()));
        String raw = params.has("rawPredictionCol") ? $(params.<String>get("rawPredictionCol")) : "";
        String probability = params.has("probabilityCol") ? $(params.<String>get("probabilityCol")) : "";
        options = options.withOutputCols($(params.of(MlSettings.PREDICTION_COL)), probability, raw);
        Param<String> precision = params.of(EngineSettings.PRECISION);
        return isDefined(precision) ? options.withPrecision(Precision.parse($(precision), "precision")) : options;
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        return BatchInference.transform(dataset, trained, scoringOptions());
    }

    @Override
    public StructType transformSchema(StructType schema) {
        return BatchInference.outputSchema(schema, trained, scoringOptions());
    }

    @Override
    public M copy(ParamMap extra) {
        M copy = newModel(uid, trained);
        copyValues(copy, extra);
        copy.setSummary(summary);
        return parent() == null ? copy : copy.setParent(parent());
    }

    @Override
    public MLWriter write() {
        return new ModelFiles.Writer(this);
    }

    /** Names for messages. */
    List<String> paramNames() {
        return params.names();
    }
}
