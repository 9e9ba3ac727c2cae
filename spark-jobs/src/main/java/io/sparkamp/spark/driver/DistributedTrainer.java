package io.sparkamp.spark.driver;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.Evaluation;
import io.sparkamp.core.train.StepListener;
import io.sparkamp.core.train.TrainingLoop;
import io.sparkamp.core.train.TrainingSetup;
import io.sparkamp.core.train.TrainingState;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.executor.EvaluationTask;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.List;

/**
 * Training and evaluation over cached Spark data: the engine's {@link TrainingLoop} with one Spark job
 * per step ({@link SparkJobGradients}) or long-lived barrier tasks ({@link BarrierGradients}) as its
 * gradient source, and evaluation as one job over a cached dataset. The loop itself lives in the engine;
 * this class only says where gradients come from. Closing it ends long-lived tasks and frees workers.
 */
public final class DistributedTrainer implements AutoCloseable {
    private final JavaSparkContext sc;
    private final TrainingSetup setup;
    private final WorkerSpec workerSpec;
    private final TrainingLoop loop;

    /** Training with one Spark job per step. */
    public DistributedTrainer(JavaSparkContext sc, TrainingSetup setup, CachedTrainingData data) {
        this(sc, setup, data, StepTransport.jobs());
    }

    /** Training whose partials travel by {@code transport} (jobs, barrier, or auto's choice). */
    public DistributedTrainer(JavaSparkContext sc, TrainingSetup setup, CachedTrainingData data, StepTransport transport) {
        this.sc = sc;
        this.setup = setup;
        this.workerSpec = setup.workerSpec();
        this.loop = new TrainingLoop(setup, transport.open(sc, workerSpec, data));
    }

    /** Runs steps until {@code state} has made {@code untilStep} attempts, reporting each one. */
    public TrainingState train(TrainingState state, long untilStep, StepListener listener) {
        return loop.run(state, untilStep, listener);
    }

    /** The loop (for a {@link io.sparkamp.core.train.TrainingRun} cadence around it). */
    public TrainingLoop loop() {
        return loop;
    }

    @Override
    public void close() {
        loop.close();
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
}
