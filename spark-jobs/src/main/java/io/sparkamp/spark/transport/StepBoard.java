package io.sparkamp.spark.transport;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The driver's side of the step exchange, without the network: the step now published (its assignments
 * and encoded weights) and the partials received for it, one slot per partition. Tasks call
 * {@link #exchange} from the RPC server's threads; the training loop calls {@link #publish} and
 * {@link #awaitPartials}.
 *
 * <p>A task that asks for work before the next step is published waits up to the poll window and gets a
 * WAIT reply, then asks again: no RPC stays open for long, and a task Spark has killed (after another
 * task of its barrier stage failed) notices at its next poll. The first partial per partition is kept:
 * partials are deterministic, so a partial resent by a relaunched task is the same bits.
 *
 * <p>A task in the driver's JVM hands over its worker's own partial, which that worker would overwrite
 * at its next step. The board {@linkplain GradientPartial#lend() borrows} it, so the worker computes
 * into a new one while the board holds it (after a relaunch, a task on the same thread may compute before
 * the driver has summed), and gives it back at the next {@link #publish} or {@link #stop}, which the
 * training loop calls only after it is done with the step's partials. No copy, no allocation per step.
 */
public final class StepBoard {
    private final int partitions;
    private final long pollMillis;
    private long step = -1;
    private PartitionAssignment[] assignments;
    private WorkingWeights weights;
    /** {@link #weights} as bytes for the network, made by the first remote task that asks (then shared). */
    private Supplier<byte[]> encodedWeights;
    private GradientPartial[] partials;
    /** Partials borrowed from tasks in this JVM, given back when the loop has finished with their step. */
    private final List<GradientPartial> borrowed = new ArrayList<>();
    private int received;
    private boolean stopped;

    /**
     * @param partitions the number of tasks (one per partition)
     * @param pollMillis how long a task's request for the next step waits before it is told to ask again
     */
    public StepBoard(int partitions, long pollMillis) {
        this.partitions = partitions;
        this.pollMillis = pollMillis;
    }

    /** Makes {@code assignments} with {@code weights} the step every task computes next. */
    public synchronized void publish(WorkingWeights weights, PartitionAssignment[] assignments) {
        if (assignments.length != partitions) {
            throw new IllegalArgumentException(assignments.length + " assignments for " + partitions + " partitions");
        }
        this.step = assignments[0].step();
        this.assignments = assignments.clone();
        this.weights = weights;
        this.encodedWeights = new EncodedOnce(weights);
        giveBackBorrowed();
        this.partials = new GradientPartial[partitions];
        this.received = 0;
        this.stopped = false;
        notifyAll();
    }

    /** Bytes of the published step's weights as a remote task receives them (16-bit codes or FP32 values). */
    public synchronized long weightBytes() {
        return weights == null ? 0 : (long) weights.size() * weights.precision().bytes();
    }

    /** One step's weights as bytes, encoded by the first caller. */
    private static final class EncodedOnce implements Supplier<byte[]> {
        private final WorkingWeights weights;
        private byte[] bytes;

        EncodedOnce(WorkingWeights weights) {
            this.weights = weights;
        }

        @Override
        public synchronized byte[] get() {
            if (bytes == null) {
                bytes = StepReply.encodeWeights(weights);
            }
            return bytes;
        }
    }

    /**
     * Waits until every partition's partial for the published step is in, checking {@code failure} every
     * poll window (the barrier stage ending before that is a failure the caller reports).
     *
     * @return the partials in partition order, the caller's to use and modify (e.g. to sum into the first)
     *         until its next {@link #publish} or {@link #stop}
     */
    public synchronized GradientPartial[] awaitPartials(Supplier<RuntimeException> failure) throws InterruptedException {
        while (received < partitions) {
            RuntimeException failed = failure.get();
            if (failed != null) {
                throw failed;
            }
            wait(pollMillis);
        }
        return partials.clone();
    }

    /** Tells every task to end (training is over, or paused while other Spark jobs run); the next publish undoes it. */
    public synchronized void stop() {
        giveBackBorrowed();
        stopped = true;
        notifyAll();
    }

    private void giveBackBorrowed() {
        borrowed.forEach(GradientPartial::giveBack);
        borrowed.clear();
    }

    /** A call of a task in the driver's JVM, whose partial is its worker's own: the board borrows it. */
    public StepReply exchange(StepRequest request) throws InterruptedException {
        return exchange(request, false);
    }

    /**
     * A task's call: keeps its partial, then answers with the next step, WAIT or STOP.
     *
     * @param decoded whether {@code request}'s partial was decoded from the network for this call (kept as
     *                it is) rather than a worker's own (borrowed)
     */
    public StepReply exchange(StepRequest request, boolean decoded) throws InterruptedException {
        int p = request.partition();
        if (p < 0 || p >= partitions) {
            throw new IllegalArgumentException("partition " + p + " is not one of the " + partitions + " of this run");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pollMillis);
        synchronized (this) {
            if (request.partial() != null && request.lastStep() == step && partials[p] == null) {
                partials[p] = request.partial();
                if (!decoded) {
                    partials[p].lend();
                    borrowed.add(partials[p]);
                }
                received++;
                notifyAll();
            }
            while (true) {
                if (stopped) {
                    return StepReply.STOP;
                }
                if (step > request.lastStep()) {
                    return StepReply.step(assignments[p], weights, encodedWeights);
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return StepReply.WAIT;
                }
                wait(left);
            }
        }
    }

    @Override
    public synchronized String toString() {
        return "step " + step + ": " + received + " of " + partitions + " partials" + (stopped ? " (stopped)" : "")
                + (partials == null ? "" : ", missing " + Arrays.toString(missing()));
    }

    private int[] missing() {
        return java.util.stream.IntStream.range(0, partitions).filter(i -> partials[i] == null).toArray();
    }
}
