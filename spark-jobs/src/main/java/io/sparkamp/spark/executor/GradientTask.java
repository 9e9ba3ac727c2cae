package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.PartitionWorker;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.data.PartitionLayout;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

import java.util.Collections;
import java.util.Iterator;

/**
 * One step on one partition, on an executor: read the partition's cached Arrow batches (kept decoded
 * across steps when they fit the executor's budget, else streamed for the rows this step picks), rebuild
 * the working weights from the broadcast, and run the shared {@code PartitionWorker}. Returns exactly one
 * partial per partition, so the driver can sum them in partition order.
 */
public final class GradientTask implements Function2<Integer, Iterator<CachedBatch>, Iterator<GradientPartial>> {
    private static final long serialVersionUID = 1L;

    private final Broadcast<WeightsPayload> weights;
    private final WorkerSpec spec;
    private final PartitionAssignment[] assignments;
    private final PartitionLayout layout;

    /**
     * @param layout the cached batches' RDD id and partition sizes, so executors can keep partitions open
     *               across steps and stream those that do not fit
     */
    public GradientTask(Broadcast<WeightsPayload> weights, WorkerSpec spec, PartitionAssignment[] assignments, PartitionLayout layout) {
        this.weights = weights;
        this.spec = spec;
        this.assignments = assignments;
        this.layout = layout;
    }

    @Override
    public Iterator<GradientPartial> call(Integer partition, Iterator<CachedBatch> batches) {
        PartitionAssignment assignment = assignments[partition];
        InjectedFaults.beforeStep(assignment.step());
        try (DecodedPartitions.Access access = ExecutorMemory.get().decoded()
                .open(layout.key(partition), layout.bytes(partition), batches)) {
            PartitionWorker worker = WorkerCache.worker(spec);
            RowSource rows = access.rows();
            if (rows == null) {
                int count = layout.rows(partition);
                rows = SampledRows.gather(access.stream(), count, worker.rowsFor(assignment, partition, count));
            }
            // The worker's own partial: Spark serializes the task's result on this thread before it runs another task.
            GradientPartial partial = worker.compute(rows, partition, assignment, weights.value().toWorkingWeights());
            return Collections.singletonList(partial).iterator();
        }
    }
}
