package io.sparkamp.spark.transport;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;

/**
 * A long-lived task's side of the exchange: ask the driver for a step, compute its partial, send it with
 * the next request, until the driver says stop. Between calls it checks that Spark has not killed the
 * task (a barrier stage kills all its tasks when one fails), so a killed task ends within one poll.
 */
public final class TaskStepLoop {
    /** Computes one step's partial of this task's partition. */
    @FunctionalInterface
    public interface StepCompute {
        GradientPartial compute(PartitionAssignment assignment, WorkingWeights weights);
    }

    private TaskStepLoop() {
    }

    /**
     * Runs steps until the driver says stop.
     *
     * @param stillWanted throws when the task should end (Spark killed it); called before every request
     * @return the number of steps this task computed
     */
    public static long run(StepChannel client, long runToken, int partition, int attempt, StepCompute compute,
                           Runnable stillWanted) {
        long lastStep = -1;
        GradientPartial partial = null;
        long computed = 0;
        while (true) {
            stillWanted.run();
            StepReply reply = client.exchange(new StepRequest(runToken, partition, attempt, lastStep, partial));
            partial = null; // delivered: sent as bytes, or borrowed by the board in this JVM until the driver is done with it
            if (reply.isStop()) {
                return computed;
            }
            if (reply.isStep()) {
                lastStep = reply.assignment().step();
                partial = compute.compute(reply.assignment(), reply.weights());
                computed++;
            }
            // WAIT: the next step is not published yet; ask again.
        }
    }
}
