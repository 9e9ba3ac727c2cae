package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * A neural-network regressor (loss {@code mse}, one output) trained with FP16/BF16 mixed precision on the
 * executors (Spark ML Estimator); the same Params as {@link MixedPrecisionClassifier} but the probability
 * columns. With test data ({@code testData}) its training summary reports test loss, RMSE and R².
 */
public final class MixedPrecisionRegressor extends AmpEstimator<MixedPrecisionRegressionModel, MixedPrecisionRegressor> {
    private static final long serialVersionUID = 1L;

    public MixedPrecisionRegressor() {
        this(Identifiable.randomUID("mixedPrecisionRegressor"));
    }

    public MixedPrecisionRegressor(String uid) {
        super(uid, false, "mse");
    }

    @Override
    protected MixedPrecisionRegressionModel newModel(String uid, TrainedModel trained) {
        return new MixedPrecisionRegressionModel(uid, trained);
    }

    @Override
    protected void checkLoss(Loss loss) {
        if (!loss.predictsValues()) {
            throw new ConfigException("MixedPrecisionRegressor param loss: " + loss.name()
                    + " does not predict values; use mse (MixedPrecisionClassifier fits softmax_ce and bce_logits)");
        }
    }

    public static MLReader<MixedPrecisionRegressor> read() {
        return new DefaultParamsReader<>();
    }

    public static MixedPrecisionRegressor load(String path) {
        return read().load(path);
    }
}
