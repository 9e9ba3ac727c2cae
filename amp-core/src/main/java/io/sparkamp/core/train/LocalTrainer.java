package io.sparkamp.core.train;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.WorkingWeights;

import java.util.List;
import java.util.function.Consumer;

/**
 * Single-JVM training over partitions held in memory: the {@link TrainingLoop} over
 * {@link LocalPartitions}, the same workers and step state machine as the Spark job. With the same seed,
 * data and partitioning it produces the same weights as a distributed run, to the bit.
 */
public final class LocalTrainer implements AutoCloseable {
    private final TrainingSetup setup;
    private final TrainingLoop loop;

    public LocalTrainer(TrainingSetup setup, List<? extends RowSource> partitions) {
        this.setup = setup;
        this.loop = new TrainingLoop(setup, new LocalPartitions(setup, partitions));
    }

    /** Runs steps until {@code state} has made {@code untilStep} attempts, reporting each outcome. */
    public TrainingState train(TrainingState state, long untilStep, Consumer<StepOutcome> listener) {
        return loop.run(state, untilStep, (s, outcome, timing) -> listener.accept(outcome));
    }

    /** Loss and accuracy of the current master weights (cast to the run's precision) on {@code data}. */
    public Evaluation evaluate(TrainingState state, List<? extends RowSource> data) {
        WorkingWeights weights = WorkingWeights.cast(state.master(), setup.config().precision());
        Evaluation total = Evaluation.EMPTY;
        try (Evaluator evaluator = setup.evaluator()) {
            for (RowSource part : data) {
                total = total.plus(evaluator.evaluate(part, weights));
            }
        }
        return total;
    }

    /** The loop this trainer runs (for callers that want timings or a run cadence around it). */
    public TrainingLoop loop() {
        return loop;
    }

    /** Frees the worker's off-heap buffers. */
    @Override
    public void close() {
        loop.close();
    }
}
