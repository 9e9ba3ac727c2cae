package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.StepJob;
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
    private final StepJob[] jobs;

    public GradientTask(Broadcast<WeightsPayload> weights, WorkerSpec spec, StepJob[] jobs) {
        this.weights = weights;
        this.spec = spec;
        this.jobs = jobs;
    }

    @Override
    public Iterator<GradientPartial> call(Integer partition, Iterator<CachedBatch> batches) {
        try (PartitionRows rows = PartitionRows.open(batches, "step " + jobs[partition].step() + " partition " + partition)) {
            RowSource source = rows.source();
            GradientPartial partial = WorkerCache.worker(spec)
                    .compute(source, partition, jobs[partition], weights.value().toWorkingWeights());
            return Collections.singletonList(partial).iterator();
        }
    }
}
