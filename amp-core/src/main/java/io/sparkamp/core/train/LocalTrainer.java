package io.sparkamp.core.train;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.WorkingWeights;

import java.util.List;
import java.util.function.Consumer;

/**
 * Single-JVM training over partitions held in memory: the same partition workers and the same step
 * state machine as the Spark job, run one partition after another. With the same seed, data and
 * partitioning it produces the same weights as a distributed run, to the bit.
 */
public final class LocalTrainer {
    private final TrainingSetup setup;
    private final List<? extends RowSource> partitions;
    private final long[] partitionRows;
    private final OptimizerStep stepMachine;
    private final PartitionWorker worker;

    public LocalTrainer(TrainingSetup setup, List<? extends RowSource> partitions) {
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("local training needs at least one partition of data");
        }
        this.setup = setup;
        this.partitions = List.copyOf(partitions);
        this.partitionRows = new long[partitions.size()];
        for (int p = 0; p < partitions.size(); p++) {
            partitionRows[p] = partitions.get(p).rowCount();
        }
        this.stepMachine = setup.stepMachine();
        this.worker = setup.newWorker();
    }

    /** Runs steps until {@code state} has made {@code untilStep} attempts, reporting each outcome. */
    public TrainingState train(TrainingState state, long untilStep, Consumer<StepOutcome> listener) {
        int globalBatch = setup.config().batchSize();
        int[] shares = BatchPlan.shares(globalBatch, partitionRows);
        while (state.steps() < untilStep) {
            WorkingWeights weights = WorkingWeights.cast(state.master(), setup.config().precision());
            PartitionAssignment[] assignments = PartitionAssignment.forStep(state, setup.config().seed(), shares, globalBatch);
            GradientPartial total = null;
            for (int p = 0; p < partitions.size(); p++) {
                GradientPartial partial = worker.compute(partitions.get(p), p, assignments[p], weights);
                total = total == null ? partial : total.merge(partial);
            }
            listener.accept(stepMachine.apply(state, total));
        }
        return state;
    }

    /** Loss and accuracy of the current master weights (cast to the run's precision) on {@code data}. */
    public Evaluation evaluate(TrainingState state, List<? extends RowSource> data) {
        Evaluator evaluator = setup.evaluator();
        WorkingWeights weights = WorkingWeights.cast(state.master(), setup.config().precision());
        Evaluation total = Evaluation.EMPTY;
        for (RowSource part : data) {
            total = total.plus(evaluator.evaluate(part, weights));
        }
        return total;
    }
}
