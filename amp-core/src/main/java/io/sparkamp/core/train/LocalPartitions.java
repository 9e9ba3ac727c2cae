package io.sparkamp.core.train;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.nn.WorkingWeights;

import java.util.List;

/**
 * Partitions held in this JVM as a {@link GradientSource}: one worker computes them one after another,
 * in partition order, with the same code a Spark task runs.
 */
public final class LocalPartitions implements GradientSource {
    private final List<? extends RowSource> partitions;
    private final long[] partitionRows;
    private final PartitionWorker worker;
    /** The step's sum, kept across steps: the worker overwrites its own partial at every partition. */
    private GradientPartial total;

    public LocalPartitions(TrainingSetup setup, List<? extends RowSource> partitions) {
        if (partitions.isEmpty()) {
            throw new IllegalArgumentException("local training needs at least one partition of data");
        }
        this.partitions = List.copyOf(partitions);
        this.partitionRows = new long[partitions.size()];
        for (int p = 0; p < partitions.size(); p++) {
            partitionRows[p] = partitions.get(p).rowCount();
        }
        this.worker = setup.newWorker();
    }

    @Override
    public long[] partitionRows() {
        return partitionRows.clone();
    }

    @Override
    public StepGradient compute(WorkingWeights weights, PartitionAssignment[] assignments) {
        if (total == null || total.gradients().length != weights.size()) {
            total = new GradientPartial(weights.size());
        }
        for (int p = 0; p < partitions.size(); p++) {
            GradientPartial partial = worker.compute(partitions.get(p), p, assignments[p], weights);
            if (p == 0) {
                total.copyFrom(partial);
            } else {
                total.merge(partial);
            }
        }
        return new StepGradient(total, 0);
    }

    /** Frees the worker's off-heap buffers. */
    @Override
    public void close() {
        worker.close();
    }
}
