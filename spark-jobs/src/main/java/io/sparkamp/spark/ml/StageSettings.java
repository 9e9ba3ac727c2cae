package io.sparkamp.spark.ml;

import io.sparkamp.core.config.EngineSettings;
import io.sparkamp.core.config.Setting;
import io.sparkamp.spark.config.JobSettings;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.Params;

/**
 * The typed setters the project's estimators and models share, each a shorthand for setting the Param of
 * one declaration; any other setting is set through {@link #setSetting}. A stage implementing it is a
 * Spark {@link Params} whose {@code getParam} answers the Params made from the declarations
 * ({@link SettingParams}); Spark's base classes differ between estimators and models, so what they share
 * beyond the three methods Spark makes them override lives here.
 *
 * @param <S> the stage, so setters chain
 */
public interface StageSettings<S> {
    /** The Param of a setting, e.g. {@code param(EngineSettings.LR)} for a ParamGridBuilder. */
    @SuppressWarnings("unchecked")
    default <T> Param<T> param(Setting<T> setting) {
        return (Param<T>) (Param<?>) ((Params) this).getParam(SettingParams.paramName(setting.key()));
    }

    /** Sets the Param of {@code setting} (validated by the setting's declaration). */
    @SuppressWarnings("unchecked")
    default <T> S setSetting(Setting<T> setting, T value) {
        ((Params) this).set(param(setting), value);
        return (S) this;
    }

    /** Spark's featuresCol: a vector or {@code array<numeric>} column. */
    default S setFeaturesCol(String column) {
        return setSetting(JobSettings.FEATURES_COL, column);
    }

    /** Numeric columns assembled into the features in this order (comma-separated), instead of featuresCol. */
    default S setFeatureCols(String columns) {
        return setSetting(JobSettings.FEATURE_COLS, columns);
    }

    default S setPredictionCol(String column) {
        return setSetting(MlSettings.PREDICTION_COL, column);
    }

    /** fp32, fp16 or bf16: the training precision of an estimator, the scoring precision of a model. */
    default S setPrecision(String precision) {
        return setSetting(EngineSettings.PRECISION, precision);
    }

    /** The output columns only classifiers have. */
    interface Classifier<S> extends StageSettings<S> {
        default S setProbabilityCol(String column) {
            return setSetting(MlSettings.PROBABILITY_COL, column);
        }

        default S setRawPredictionCol(String column) {
            return setSetting(MlSettings.RAW_PREDICTION_COL, column);
        }
    }
}
