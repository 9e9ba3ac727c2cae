package io.sparkamp.core.train;

/**
 * What a worker needs to know about one step besides the weights: the run seed, the step number, how
 * many rows of the global batch this partition computes, the global batch size and the loss scale.
 */
public record StepJob(long seed, long step, int share, int globalBatch, float lossScale) implements java.io.Serializable {
    public StepJob {
        if (globalBatch <= 0 || share < 0 || !(lossScale > 0)) {
            throw new IllegalArgumentException("invalid step job: share=" + share + " globalBatch=" + globalBatch + " lossScale=" + lossScale);
        }
    }

    /** The jobs of every partition for the step that {@code state} attempts next. */
    public static StepJob[] forStep(TrainingState state, long seed, int[] shares, int globalBatch) {
        StepJob[] jobs = new StepJob[shares.length];
        for (int p = 0; p < shares.length; p++) {
            jobs[p] = new StepJob(seed, state.steps(), shares[p], globalBatch, state.scaler().scale());
        }
        return jobs;
    }
}
