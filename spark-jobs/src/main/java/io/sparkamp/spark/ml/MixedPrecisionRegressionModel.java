package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.inference.OutputHead;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.util.MLReader;

/** A fitted {@link MixedPrecisionRegressor}: {@code transform} adds the {@code prediction} column, as Spark's regressors do. */
public final class MixedPrecisionRegressionModel extends AmpModel<MixedPrecisionRegressionModel> {
    private static final long serialVersionUID = 1L;

    public MixedPrecisionRegressionModel(String uid, TrainedModel trained) {
        super(uid, trained, false);
        if (OutputHead.of(trained.loss(), trained.outputSize()).classifier()) {
            throw new ConfigException(trained.source() + " holds a " + trained.loss() + " classifier;"
                    + " load it as a MixedPrecisionClassificationModel");
        }
    }

    @Override
    protected MixedPrecisionRegressionModel newModel(String uid, TrainedModel trained) {
        return new MixedPrecisionRegressionModel(uid, trained);
    }

    public static MLReader<MixedPrecisionRegressionModel> read() {
        return new ModelFiles.Reader<>(MixedPrecisionRegressionModel.class, MixedPrecisionRegressionModel::new);
    }

    /** A saved model, a checkpoint directory, or a run's checkpoint-dir (its newest checkpoint). */
    public static MixedPrecisionRegressionModel load(String path) {
        return read().load(path);
    }
}
