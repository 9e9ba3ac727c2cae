package io.sparkamp.spark.driver;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.BatchPlan;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.MixedPrecisionStep;
import io.sparkamp.core.train.StepJob;
import io.sparkamp.core.train.StepOutcome;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.executor.EvaluationTask;
import io.sparkamp.spark.executor.GradientTask;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.List;

/**
 * The driver loop as glue (DESIGN.md §1): cast the master weights, broadcast them, let every partition
 * compute its gradients, sum the partials in partition order (so the result does not depend on which
 * task finishes first), and hand the sum to the shared step state machine. Broadcasts are destroyed
 * after each step and every step reads the same cached data, so nothing grows with the step count.
 */
public final class DistributedTrainer {
    private final JavaSparkContext sc;
    private final TrainingSetup setup;
    private final CachedTrainingData data;
    private final MixedPrecisionStep stepMachine;
    private final WorkerSpec workerSpec;
    private final int[] shares;

    public DistributedTrainer(JavaSparkContext sc, TrainingSetup setup, CachedTrainingData data) {
        this.sc = sc;
        this.setup = setup;
        this.data = data;
        this.stepMachine = setup.stepMachine();
        this.workerSpec = setup.workerSpec();
        this.shares = BatchPlan.shares(setup.config().batchSize(), data.partitionRows());
    }

    /** Runs steps until {@code state} has made {@code untilStep} attempts, reporting each one. */
    public TrainingState train(TrainingState state, long untilStep, StepListener listener) {
        while (state.steps() < untilStep) {
            long started = System.nanoTime();
            WeightsPayload payload = WeightsPayload.of(WorkingWeights.cast(state.master(), setup.config().precision()));
            Broadcast<WeightsPayload> broadcast = sc.broadcast(payload);
            try {
                StepJob[] jobs = StepJob.forStep(state, setup.config().seed(), shares, setup.config().batchSize());
                List<GradientPartial> partials = data.batches()
                        .mapPartitionsWithIndex(new GradientTask(broadcast, workerSpec, jobs, data.layout()), true)
                        .collect();
                long computed = System.nanoTime();
                GradientPartial total = sumInOrder(partials);
                long computeNanos = total.computeNanos();
                StepOutcome outcome = stepMachine.apply(state, total);
                long finished = System.nanoTime();
                listener.onStep(state, outcome,
                        new StepTiming(finished - started, computed - started, computeNanos, payload.bytes()));
            } finally {
                broadcast.destroy();
            }
        }
        return state;
    }

    /** Loss and accuracy of the current master weights, cast to the run's precision, on {@code target}. */
    public Evaluation evaluate(TrainingState state, CachedTrainingData target) {
        WeightsPayload payload = WeightsPayload.of(WorkingWeights.cast(state.master(), setup.config().precision()));
        Broadcast<WeightsPayload> broadcast = sc.broadcast(payload);
        try {
            List<Evaluation> parts = target.batches().mapPartitionsWithIndex(new EvaluationTask(broadcast, workerSpec, target.layout()), true).collect();
            Evaluation total = Evaluation.EMPTY;
            for (Evaluation part : parts) {
                total = total.plus(part);
            }
            return total;
        } finally {
            broadcast.destroy();
        }
    }

    /** Partials arrive ordered by partition index; summing in that order makes the result deterministic. */
    static GradientPartial sumInOrder(List<GradientPartial> partials) {
        GradientPartial total = partials.get(0);
        for (int i = 1; i < partials.size(); i++) {
            total.merge(partials.get(i));
        }
        return total;
    }
}
