package io.sparkamp.spark.ml;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.train.RunState;
import io.sparkamp.spark.checkpoint.CheckpointStore;
import io.sparkamp.spark.inference.TrainedModel;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.ml.util.MLWriter;
import scala.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.function.BiFunction;

/**
 * A saved model on disk: Spark ML's layout ({@code metadata/}: class, uid, Spark version and every Param,
 * written and read by Spark's own {@code DefaultParamsWriter}/{@code DefaultParamsReader}, so Pipelines
 * and CrossValidator models save and load it like any stage) plus {@code weights/}, a checkpoint directory
 * in the project's Parquet tensor format holding the model's whole run state. {@code load} also takes a
 * checkpoint directory or a run's checkpoint-dir as written by {@code amp train}.
 */
final class ModelFiles {
    static final String WEIGHTS = "weights";

    private ModelFiles() {
    }

    /** Writes a model. */
    static final class Writer extends MLWriter {
        private final AmpModel<?> model;

        Writer(AmpModel<?> model) {
            this.model = model;
        }

        @Override
        public void saveImpl(String path) {
            RunState state = model.trainedModel().runState().orElseThrow(() -> new ConfigException("model " + model.uid()
                    + " was made from weights alone, without a training run's state, so it cannot be saved as a checkpoint"));
            DefaultParamsWriter.saveMetadata(model, path, sc(), Option.empty(), Option.empty());
            String runId = state.provenance().getOrDefault("run_id", model.uid());
            new CheckpointStore(sparkSession(), new Path(path, WEIGHTS).toString()).save(state, runId);
        }
    }

    /** Reads a model of class {@code type}: a saved model, or a checkpoint. */
    static final class Reader<M extends AmpModel<M>> extends MLReader<M> {
        private final Class<M> type;
        private final BiFunction<String, TrainedModel, M> make;

        Reader(Class<M> type, BiFunction<String, TrainedModel, M> make) {
            this.type = type;
            this.make = make;
        }

        @Override
        public M load(String path) {
            Path metadata = new Path(path, "metadata");
            boolean saved;
            try {
                saved = metadata.getFileSystem(sc().hadoopConfiguration()).exists(metadata);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + path, e);
            }
            if (!saved) {
                return make.apply(Identifiable.randomUID(type.getSimpleName()), TrainedModel.load(sparkSession(), path));
            }
            DefaultParamsReader.Metadata meta = DefaultParamsReader.loadMetadata(path, sc(), "");
            if (!meta.className().equals(type.getName())) {
                String found = meta.className().substring(meta.className().lastIndexOf('.') + 1);
                throw new ConfigException(path + " holds a " + found + ", not a " + type.getSimpleName() + "; load it as a " + found);
            }
            M model = make.apply(meta.uid(), TrainedModel.load(sparkSession(), new Path(path, WEIGHTS).toString()));
            meta.getAndSetParams(model, Option.empty());
            return model;
        }
    }
}
