package io.sparkamp.spark.executor;

import io.sparkamp.core.data.RowSource;
import io.sparkamp.core.train.PartitionWorker;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.data.PartitionLayout;
import io.sparkamp.spark.transport.StepChannel;
import io.sparkamp.spark.transport.TaskStepLoop;
import org.apache.spark.BarrierTaskContext;
import scala.collection.Iterator;
import scala.collection.JavaConverters;
import scala.runtime.AbstractFunction2;

import java.io.Serializable;
import java.util.List;

/**
 * One long-lived task of the barrier transport: keeps its partition decoded, then runs steps for as long
 * as the driver publishes them, computing each partial with the same {@code PartitionWorker} as a
 * per-step task. Returns the number of steps it computed.
 *
 * <p>The tasks do not meet at {@code BarrierTaskContext.barrier()}: Spark 3.5 waits for that call's reply
 * in {@code Thread.sleep(1000)} rounds, which cost a second at every launch (after each evaluation or
 * checkpoint). They need no rendezvous: Spark starts all tasks of a barrier stage together, and the
 * driver's step board waits for every partition's partial before the next step.
 */
public final class BarrierGradientTask extends AbstractFunction2<Object, Iterator<CachedBatch>, Iterator<Long>>
        implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String driverHost;
    private final int driverPort;
    private final long runToken;
    private final long callDeadlineMillis;
    private final WorkerSpec spec;
    private final PartitionLayout layout;

    public BarrierGradientTask(String driverHost, int driverPort, long runToken, long callDeadlineMillis, WorkerSpec spec,
                               PartitionLayout layout) {
        this.driverHost = driverHost;
        this.driverPort = driverPort;
        this.runToken = runToken;
        this.callDeadlineMillis = callDeadlineMillis;
        this.spec = spec;
        this.layout = layout;
    }

    @Override
    public Iterator<Long> apply(Object index, Iterator<CachedBatch> batches) {
        int partition = (Integer) index;
        BarrierTaskContext context = BarrierTaskContext.get();
        try (DecodedPartitions.Access access = ExecutorMemory.get().decoded()
                .open(layout.key(partition), layout.bytes(partition), JavaConverters.asJavaIterator(batches))) {
            RowSource rows = access.rows();
            if (rows == null) {
                throw new IllegalStateException("transport=barrier keeps every partition decoded in executor memory, and partition "
                        + partition + " (" + (layout.bytes(partition) >> 20) + " MiB cached) does not fit the executor's budget "
                        + ExecutorMemory.DECODED_BUDGET_KEY + ": raise it, add executors, or use transport=jobs");
            }
            PartitionWorker worker = WorkerCache.worker(spec);
            try (StepChannel client = StepChannel.open(driverHost, driverPort, runToken, callDeadlineMillis)) {
                long steps = TaskStepLoop.run(client, runToken, partition, context.stageAttemptNumber(), (assignment, weights) -> {
                    InjectedFaults.beforeStep(assignment.step());
                    return worker.compute(rows, partition, assignment, weights);
                }, context::killTaskIfInterrupted);
                return JavaConverters.asScalaIterator(List.of(steps).iterator());
            }
        }
    }
}
