package io.sparkamp.spark.checkpoint;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.optim.Optimizer;
import io.sparkamp.core.scaling.LossScaler;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.spark.cli.JobConfig;
import io.sparkamp.spark.data.CachedTrainingData;
import org.apache.spark.sql.SparkSession;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** Turning a run's state into a {@link Checkpoint} and back, plus the provenance every checkpoint carries. */
public final class Checkpoints {
    private Checkpoints() {
    }

    /** A snapshot of {@code state} (arrays copied, so training can go on while it is written). */
    public static Checkpoint of(TrainingState state, TrainingSetup setup, JobConfig job, Map<String, String> provenance) {
        Map<String, String> config = new LinkedHashMap<>(setup.config().describe());
        config.put("data", job.data().path());
        if (job.testData() != null) {
            config.put("test-data", job.testData().path());
        }
        return new Checkpoint(null, state.steps(), state.optimizerSteps(), state.skippedSteps(), state.master().clone(),
                state.optimizer().state().copy(), state.scaler().state(), setup.model().toSpecString(), config, provenance);
    }

    /**
     * The training state of {@code checkpoint} under {@code setup}'s config. The model must be the same;
     * the error says which spec the checkpoint holds.
     */
    public static TrainingState restore(Checkpoint checkpoint, TrainingSetup setup) {
        String expected = setup.model().toSpecString();
        if (!expected.equals(checkpoint.model())) {
            throw new ConfigException("checkpoint " + checkpoint.path() + " holds model '" + checkpoint.model()
                    + "' but the job's model is '" + expected + "'");
        }
        Optimizer optimizer = setup.config().optimizer().create(checkpoint.master().length);
        optimizer.restore(checkpoint.optimizer());
        LossScaler scaler = new LossScaler(setup.config().scaler(), checkpoint.scaler());
        return new TrainingState(checkpoint.master().clone(), optimizer, scaler, checkpoint.steps(), checkpoint.optimizerSteps(),
                checkpoint.skippedSteps());
    }

    /** How the model was made (Tribuo-style): versions, seed and a fingerprint of the training data. */
    public static Map<String, String> provenance(SparkSession spark, JobConfig job, CachedTrainingData train) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("spark_amp_version", Versions.sparkAmp());
        p.put("spark_version", spark.version());
        p.put("java_version", System.getProperty("java.version"));
        p.put("seed", Long.toString(job.train().seed()));
        p.put("data_path", job.data().path());
        p.put("data_rows", Long.toString(train.rowCount()));
        p.put("data_features", Integer.toString(train.featureCount()));
        p.put("data_fingerprint", train.fingerprint());
        p.put("partitions", Integer.toString(train.partitionRows().length));
        p.put("created_at", Instant.now().toString());
        return p;
    }
}
