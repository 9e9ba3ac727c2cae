package io.sparkamp.spark.driver;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.GradientSource;
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.executor.GradientTask;
import io.sparkamp.spark.executor.WeightsPayload;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

import java.util.List;

/**
 * One Spark job per step as a {@link GradientSource}: broadcast the step's working weights, let every
 * cached partition compute its partial, collect the partials (they arrive ordered by partition index)
 * and sum them in that order. The broadcast is destroyed after the step and every step maps over the
 * same cached RDD, so nothing grows with the step count. Simple and fault tolerant (a failed task is
 * retried by Spark); costs one job's scheduling per step.
 */
public final class SparkJobGradients implements GradientSource {
    private final JavaSparkContext sc;
    private final CachedTrainingData data;
    private final WorkerSpec workerSpec;

    public SparkJobGradients(JavaSparkContext sc, WorkerSpec workerSpec, CachedTrainingData data) {
        this.sc = sc;
        this.data = data;
        this.workerSpec = workerSpec;
    }

    @Override
    public long[] partitionRows() {
        return data.partitionRows();
    }

    @Override
    public StepGradient compute(WorkingWeights weights, PartitionAssignment[] assignments) {
        WeightsPayload payload = WeightsPayload.of(weights);
        Broadcast<WeightsPayload> broadcast = sc.broadcast(payload);
        try {
            List<GradientPartial> partials = data.batches()
                    .mapPartitionsWithIndex(new GradientTask(broadcast, workerSpec, assignments, data.layout()), true)
                    .collect();
            return new StepGradient(GradientPartial.sumInOrder(partials), payload.bytes());
        } finally {
            broadcast.destroy();
        }
    }
}
