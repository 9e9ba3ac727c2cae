package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * A neural-network classifier trained with FP16/BF16 mixed precision on the executors (Spark ML
 * Estimator). Params: Spark's {@code featuresCol} (a vector or {@code array<numeric>} column; or
 * {@code featureCols}, numeric columns assembled in order), {@code labelCol} (class indices 0..K-1),
 * {@code predictionCol}, {@code probabilityCol}, {@code rawPredictionCol}, and every training setting of
 * {@code amp train} ({@code model}, {@code precision}, {@code lr}, {@code batchSize}, {@code steps}, ...;
 * {@code explainParams()} lists them). Loss {@code softmax_ce} (default) or {@code bce_logits}.
 */
public final class MixedPrecisionClassifier extends AmpEstimator<MixedPrecisionClassificationModel, MixedPrecisionClassifier>
        implements StageSettings.Classifier<MixedPrecisionClassifier> {
    private static final long serialVersionUID = 1L;

    public MixedPrecisionClassifier() {
        this(Identifiable.randomUID("mixedPrecisionClassifier"));
    }

    public MixedPrecisionClassifier(String uid) {
        super(uid, true, "softmax_ce");
    }

    @Override
    protected MixedPrecisionClassificationModel newModel(String uid, TrainedModel trained) {
        return new MixedPrecisionClassificationModel(uid, trained);
    }

    @Override
    protected void checkLoss(Loss loss) {
        if (loss.predictsValues()) {
            throw new ConfigException("MixedPrecisionClassifier param loss: " + loss.name()
                    + " predicts values, it does not classify; use softmax_ce or bce_logits (MixedPrecisionRegressor fits mse)");
        }
    }

    public static MLReader<MixedPrecisionClassifier> read() {
        return new DefaultParamsReader<>();
    }

    public static MixedPrecisionClassifier load(String path) {
        return read().load(path);
    }
}
