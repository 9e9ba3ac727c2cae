package io.sparkamp.core.train;

import io.sparkamp.core.config.Settings;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.data.SyntheticClassification;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Small generated problems and configs shared by the training tests. */
final class TrainingFixtures {
    static final SyntheticClassification PROBLEM = new SyntheticClassification(32, 10, 1.6f, 11);

    private TrainingFixtures() {
    }

    static TrainConfig config(Map<String, String> overrides) {
        Settings s = new Settings();
        s.set("model", "mlp 32-64-10 relu", "test");
        s.set("batch-size", "128", "test");
        s.set("micro-batch-size", "64", "test");
        s.set("steps", "200", "test");
        s.set("lr", "0.01", "test");
        s.set("seed", "5", "test");
        overrides.forEach((k, v) -> s.set(k, v, "test"));
        return TrainConfig.from(s);
    }

    /** {@code rows} generated rows split into {@code parts} contiguous partitions. */
    static List<ArrayRowSource> partitions(int rows, int parts, long rowSeed) {
        ArrayRowSource all = PROBLEM.generate(rows, rowSeed);
        List<ArrayRowSource> out = new ArrayList<>();
        for (int p = 0; p < parts; p++) {
            out.add(all.slice(p * rows / parts, (p + 1) * rows / parts));
        }
        return out;
    }

    /** Trains a fresh run to the end and returns its state. */
    static TrainingState train(TrainConfig config, List<ArrayRowSource> data, List<StepOutcome> outcomes) {
        long total = TrainingSetup.totalSteps(config, data.stream().mapToLong(ArrayRowSource::rowCount).sum());
        TrainingSetup setup = new TrainingSetup(config, total);
        LocalTrainer trainer = new LocalTrainer(setup, data);
        return trainer.train(setup.freshState(), total, outcomes::add);
    }

    static double accuracy(TrainConfig config, TrainingState state, List<ArrayRowSource> test) {
        TrainingSetup setup = new TrainingSetup(config, 1);
        return new LocalTrainer(setup, test).evaluate(state, test).accuracy();
    }
}
