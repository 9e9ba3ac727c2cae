package io.sparkamp.spark.executor;

import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedBatch;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Collections;
import java.util.Iterator;

/**
 * One step on one partition, on an executor: read the partition's cached Arrow batches, rebuild the
 * working weights from the broadcast, and run the shared {@code PartitionWorker}. Returns exactly one
 * partial per partition, so the driver can sum them in partition order.
 */
public final class GradientTask implements Function2<Integer, Iterator<CachedBatch>, Iterator<GradientPartial>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<WeightsPayload> weights;
    private final WorkerSpec spec;
    private final PartitionAssignment[] assignments;
    private final int rddId;

    /**
     * @param rddId id of the cached batches' RDD, so executors can keep its partitions open across steps
     */
    public GradientTask(Broadcast<WeightsPayload> weights, WorkerSpec spec, PartitionAssignment[] assignments, int rddId) {
        this.weights = weights;
        this.spec = spec;
        this.assignments = assignments;
        this.rddId = rddId;
    }

    @Override
    public Iterator<GradientPartial> call(Integer partition, Iterator<CachedBatch> batches) {
        GradientPartial[] partial = new GradientPartial[1];
        DecodedPartitions.withRows(rddId, partition, batches, rows -> partial[0] = WorkerCache.worker(spec)
                .compute(rows.source(), partition, assignments[partition], weights.value().toWorkingWeights()));
        return Collections.singletonList(partial[0]).iterator();
    }
}
