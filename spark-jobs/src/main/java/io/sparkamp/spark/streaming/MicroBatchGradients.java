package io.sparkamp.spark.streaming;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientSource;
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.Seeds;

/**
 * A micro-batch's gradient source: the Spark job per step over that micro-batch's cached rows, with the
 * sampling of a fresh run over them. The loop numbers steps over the stream's whole life; rows and
 * dropout masks are drawn as if the micro-batch's first step were step 0, so N steps with a global batch
 * of B see the micro-batch's rows as a run of N steps over them alone would (an epoch covers every row).
 * The stream's first micro-batch samples with the run seed, exactly as {@code amp train} does over the
 * same rows; a later one with a seed derived from the step it starts at, so micro-batches of the same
 * size never repeat a sampling order or a dropout mask. Both are pure functions of the committed state,
 * so a micro-batch redone after a restart draws the same rows.
 */
final class MicroBatchGradients implements GradientSource {
    private final GradientSource rows;
    private final long firstStep;
    private final long seed;

    /**
     * @param rows      the gradient source over the micro-batch's cached rows
     * @param runSeed   the run's seed
     * @param firstStep the stream's step count when the micro-batch starts
     */
    MicroBatchGradients(GradientSource rows, long runSeed, long firstStep) {
        this.rows = rows;
        this.firstStep = firstStep;
        this.seed = samplingSeed(runSeed, firstStep);
    }

    /** The seed a micro-batch starting at {@code firstStep} samples with. */
    static long samplingSeed(long runSeed, long firstStep) {
        return firstStep == 0 ? runSeed : Seeds.mix(runSeed, firstStep);
    }

    @Override
    public long[] partitionRows() {
        return rows.partitionRows();
    }

    @Override
    public StepGradient compute(WorkingWeights weights, PartitionAssignment[] assignments) {
        PartitionAssignment[] local = new PartitionAssignment[assignments.length];
        for (int p = 0; p < assignments.length; p++) {
            PartitionAssignment a = assignments[p];
            local[p] = new PartitionAssignment(seed, a.step() - firstStep, a.share(), a.globalBatch(), a.lossScale());
        }
        return rows.compute(weights, local);
    }
}
