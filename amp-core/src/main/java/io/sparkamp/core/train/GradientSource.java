package io.sparkamp.core.train;

import io.sparkamp.core.nn.WorkingWeights;

/**
 * Where a step's gradient comes from: every partition computes its partial for its assignment and the
 * partials are summed in partition order, so the sum does not depend on which worker finished first.
 * Local partitions in this JVM, one Spark job per step, or long-lived Spark tasks all implement this;
 * the {@link TrainingLoop} around it is the same.
 */
public interface GradientSource extends AutoCloseable {
    /** Rows per partition, in partition order (fixed for the source's lifetime). */
    long[] partitionRows();

    /**
     * Every partition's partial for one step, summed in partition order.
     *
     * @param weights     the step's working weights (cast once from the master weights)
     * @param assignments what each partition computes, indexed by partition
     */
    StepGradient compute(WorkingWeights weights, PartitionAssignment[] assignments);

    /**
     * The loop has stopped stepping for now (the caller may evaluate, checkpoint or run other work on the
     * same cluster): release what is held between steps, such as long-lived tasks occupying every slot.
     * The next {@link #compute} starts them again.
     */
    default void pause() {
    }

    /** Releases what the source holds for its steps (workers' off-heap buffers, long-lived tasks). */
    @Override
    default void close() {
    }

    /**
     * A step's summed partial and the bytes of weights the source sent to its workers for it.
     *
     * @param sum         the partials summed in partition order
     * @param weightBytes bytes of working weights shipped to the workers (0 when they share the driver's memory)
     */
    record StepGradient(GradientPartial sum, long weightBytes) {
    }
}
