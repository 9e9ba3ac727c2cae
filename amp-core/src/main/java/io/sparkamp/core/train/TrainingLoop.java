package io.sparkamp.core.train;

import io.sparkamp.core.nn.WorkingWeights;

/**
 * The one training loop, shared by the CLI, the Spark ML estimator, the streaming trainer and the local
 * trainer: cast the FP32 master weights to the run's precision, let the {@link GradientSource} compute
 * and sum every partition's partial, hand the sum to the {@link OptimizerStep} state machine, tell the
 * listener. Where the partials come from (local partitions, Spark jobs, long-lived tasks) is the
 * source's business only. Closing the loop closes its source.
 */
public final class TrainingLoop implements AutoCloseable {
    private final TrainingSetup setup;
    private final GradientSource source;
    private final OptimizerStep optimizerStep;
    private final int[] shares;

    public TrainingLoop(TrainingSetup setup, GradientSource source) {
        this.setup = setup;
        this.source = source;
        this.optimizerStep = setup.stepMachine();
        this.shares = BatchPlan.shares(setup.config().batchSize(), source.partitionRows());
    }

    /** Runs steps until {@code state} has made {@code untilStep} attempts, telling {@code listener} after each. */
    public TrainingState run(TrainingState state, long untilStep, StepListener listener) {
        try {
            return runSteps(state, untilStep, listener);
        } finally {
            source.pause(); // the caller may use the cluster now (evaluation, checkpoint, the next micro-batch)
        }
    }

    private TrainingState runSteps(TrainingState state, long untilStep, StepListener listener) {
        while (state.steps() < untilStep) {
            long started = System.nanoTime();
            WorkingWeights weights = WorkingWeights.cast(state.master(), setup.config().precision());
            PartitionAssignment[] assignments = PartitionAssignment.forStep(state, setup.config().seed(), shares,
                    setup.config().batchSize());
            GradientSource.StepGradient gradient = source.compute(weights, assignments);
            long gathered = System.nanoTime();
            StepOutcome outcome = optimizerStep.apply(state, gradient.sum());
            long finished = System.nanoTime();
            listener.onStep(state, outcome, new StepTiming(finished - started, gathered - started,
                    gradient.sum().computeNanos(), gradient.weightBytes()));
        }
        return state;
    }

    public TrainingSetup setup() {
        return setup;
    }

    public GradientSource source() {
        return source;
    }

    @Override
    public void close() {
        source.close();
    }
}
