package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.spark.inference.OutputHead;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.util.MLReader;

/**
 * A fitted {@link MixedPrecisionClassifier}: {@code transform} adds {@code rawPrediction} (logits),
 * {@code probability} and {@code prediction} columns as Spark's classifiers do, scoring on the executors
 * in the model's precision ({@code precision} Param to change it, e.g. fp32). {@link #load} takes a
 * saved model or a checkpoint directory of {@code amp train}.
 */
public final class MixedPrecisionClassificationModel extends AmpModel<MixedPrecisionClassificationModel>
        implements StageSettings.Classifier<MixedPrecisionClassificationModel> {
    private static final long serialVersionUID = 1L;

    public MixedPrecisionClassificationModel(String uid, TrainedModel trained) {
        super(uid, trained, true);
        if (!OutputHead.of(trained.loss(), trained.outputSize()).classifier()) {
            throw new ConfigException(trained.source() + " holds a " + trained.loss() + " model, not a classifier;"
                    + " load it as a MixedPrecisionRegressionModel");
        }
    }

    /** Number of classes (2 for a binary bce_logits model). */
    public int numClasses() {
        return OutputHead.of(trainedModel().loss(), trainedModel().outputSize()).vectorSize(trainedModel().outputSize());
    }

    @Override
    protected MixedPrecisionClassificationModel newModel(String uid, TrainedModel trained) {
        return new MixedPrecisionClassificationModel(uid, trained);
    }

    public static MLReader<MixedPrecisionClassificationModel> read() {
        return new ModelFiles.Reader<>(MixedPrecisionClassificationModel.class, MixedPrecisionClassificationModel::new);
    }

    /** A saved model, a checkpoint directory, or a run's checkpoint-dir (its newest checkpoint). */
    public static MixedPrecisionClassificationModel load(String path) {
        return read().load(path);
    }
}
