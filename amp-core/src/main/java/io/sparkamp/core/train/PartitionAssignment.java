package io.sparkamp.core.train;

/**
 * What a worker needs to know about one step besides the weights: the run seed, the step number, how
 * many rows of the global batch this partition computes, the global batch size and the loss scale.
 */
public record PartitionAssignment(long seed, long step, int share, int globalBatch, float lossScale) implements java.io.Serializable {
    public PartitionAssignment {
        if (globalBatch <= 0 || share < 0 || !(lossScale > 0)) {
            throw new IllegalArgumentException("invalid partition assignment: share=" + share + " globalBatch=" + globalBatch + " lossScale=" + lossScale);
        }
    }

    /** The assignments of every partition for the step that {@code state} attempts next. */
    public static PartitionAssignment[] forStep(TrainingState state, long seed, int[] shares, int globalBatch) {
        PartitionAssignment[] assignments = new PartitionAssignment[shares.length];
        for (int p = 0; p < shares.length; p++) {
            assignments[p] = new PartitionAssignment(seed, state.steps(), shares[p], globalBatch, state.scaler().scale());
        }
        return assignments;
    }
}
