package io.sparkamp.core.train;

/**
 * The cadence around the {@link TrainingLoop}, in one place for every surface (CLI, Spark ML estimator,
 * streaming trainer): train to the next checkpoint or evaluation, evaluate every {@code evalEvery}
 * steps, stop early at a target test accuracy, checkpoint every {@code checkpointEvery} steps and at the
 * end, and fail a run that ended without a usable result ({@link RunHealth}).
 */
public final class TrainingRun {
    /** Loss and accuracy of the current master weights on held-out data. */
    @FunctionalInterface
    public interface Evaluate {
        Evaluation of(TrainingState state);
    }

    /** Saves the run state; returns where it went. */
    @FunctionalInterface
    public interface Checkpoint {
        String save(TrainingState state);
    }

    /** Told after every evaluation during training. */
    @FunctionalInterface
    public interface EvaluationListener {
        void onEvaluation(long step, Evaluation evaluation);
    }

    /**
     * When things happen in a run.
     *
     * @param totalSteps      steps of the whole run
     * @param checkpointEvery steps between checkpoints (0 = at the end only)
     * @param evalEvery       steps between evaluations (0 = none during training)
     * @param targetAccuracy  stop at the first evaluation at or above this accuracy (0 = never)
     */
    public record Cadence(long totalSteps, long checkpointEvery, long evalEvery, double targetAccuracy) {
        public Cadence {
            if (totalSteps <= 0 || checkpointEvery < 0 || evalEvery < 0 || !(targetAccuracy >= 0 && targetAccuracy <= 1)) {
                throw new IllegalArgumentException("bad cadence: totalSteps=" + totalSteps + " checkpointEvery=" + checkpointEvery
                        + " evalEvery=" + evalEvery + " targetAccuracy=" + targetAccuracy);
            }
        }
    }

    /**
     * What a run ended with.
     *
     * @param lastCheckpoint  where the last checkpoint of this session went, or null
     * @param target          the early-stopping record
     * @param trainingSeconds seconds spent in steps in this session
     */
    public record Result(String lastCheckpoint, TargetTracker target, double trainingSeconds) {
    }

    private final TrainingLoop loop;
    private final Cadence cadence;
    private final Evaluate evaluate;
    private final Checkpoint checkpoint;

    /**
     * @param evaluate   held-out evaluation, or null when there is no test data
     * @param checkpoint where checkpoints go, or null for none
     */
    public TrainingRun(TrainingLoop loop, Cadence cadence, Evaluate evaluate, Checkpoint checkpoint) {
        this.loop = loop;
        this.cadence = cadence;
        this.evaluate = evaluate;
        this.checkpoint = checkpoint;
    }

    /** Trains {@code state} to the end of the run (or the target), telling the listeners as it goes. */
    public Result run(TrainingState state, StepListener steps, EvaluationListener evaluations) {
        long every = cadence.checkpointEvery() > 0 ? cadence.checkpointEvery() : cadence.totalSteps();
        long evalEvery = evaluate != null && cadence.evalEvery() > 0 ? cadence.evalEvery() : Long.MAX_VALUE;
        TargetTracker target = new TargetTracker(cadence.targetAccuracy());
        RunHealth health = new RunHealth();
        long[] nanos = {0};
        StepListener listener = (s, outcome, timing) -> {
            nanos[0] += timing.totalNanos();
            health.onStep(s, outcome, timing);
            steps.onStep(s, outcome, timing);
        };
        String lastCheckpoint = null;
        while (state.steps() < cadence.totalSteps() && !target.reached()) {
            long nextCheckpoint = (state.steps() / every + 1) * every;
            long nextEval = evalEvery == Long.MAX_VALUE ? Long.MAX_VALUE : (state.steps() / evalEvery + 1) * evalEvery;
            long until = Math.min(cadence.totalSteps(), Math.min(nextCheckpoint, nextEval));
            loop.run(state, until, listener);
            if (state.steps() == nextEval) {
                Evaluation eval = evaluate.of(state);
                target.record(state.steps(), eval.accuracy(), nanos[0] / 1e9);
                evaluations.onEvaluation(state.steps(), eval);
            }
            boolean last = state.steps() == cadence.totalSteps() || target.reached();
            if (checkpoint != null && (state.steps() == nextCheckpoint || last)) {
                lastCheckpoint = checkpoint.save(state);
            }
        }
        health.diagnosis(loop.setup().config().scaler()).ifPresent(d -> {
            throw new TrainingFailedException("training failed: " + d);
        });
        return new Result(lastCheckpoint, target, nanos[0] / 1e9);
    }
}
