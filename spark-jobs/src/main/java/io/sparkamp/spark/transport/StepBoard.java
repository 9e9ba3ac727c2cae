package io.sparkamp.spark.transport;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.PartitionAssignment;

import java.util.Arrays;
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
 * <p>A partial from a task in the driver's JVM is copied into the board's slot for its partition (one
 * buffer per partition, kept across steps) while its sender waits in {@link #exchange}: the task hands
 * over its worker's own partial, which that worker overwrites at its next step, perhaps (after a
 * relaunch) while the driver still sums this one. A partial decoded from the network is kept as it is.
 */
public final class StepBoard {
    private final int partitions;
    private final long pollMillis;
    private long step = -1;
    private PartitionAssignment[] assignments;
    private WorkingWeights weights;
    /** {@link #weights} as bytes for the network, made by the first remote task that asks (then shared). */
    private Supplier<byte[]> encodedWeights;
    /** The published step's partials by partition; a slot counts only once {@link #filled} says so. */
    private GradientPartial[] slots;
    /** A task is copying (or has copied) its partition's partial of the published step into its slot. */
    private boolean[] claimed;
    private boolean[] filled;
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
        if (slots == null) {
            slots = new GradientPartial[partitions];
            claimed = new boolean[partitions];
            filled = new boolean[partitions];
        }
        for (int p = 0; p < partitions; p++) {
            if (claimed[p] && !filled[p]) {
                slots[p] = null; // a copy of an earlier step is still being written there: leave it that buffer
            }
        }
        Arrays.fill(claimed, false);
        Arrays.fill(filled, false);
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
     * @return the partials in partition order, the board's own copies: valid (and the caller's to modify,
     *         e.g. to sum into the first) until the next {@link #publish}
     */
    public synchronized GradientPartial[] awaitPartials(Supplier<RuntimeException> failure) throws InterruptedException {
        while (received < partitions) {
            RuntimeException failed = failure.get();
            if (failed != null) {
                throw failed;
            }
            wait(pollMillis);
        }
        return slots.clone();
    }

    /** Tells every task to end (training is over, or paused while other Spark jobs run); the next publish undoes it. */
    public synchronized void stop() {
        stopped = true;
        notifyAll();
    }

    /**
     * Puts a task's partial in its partition's slot, unless that partition's partial for this step is
     * already in (or being copied): the object itself when it was decoded for this call, else a copy. The
     * copy runs outside the lock, so the tasks of a step copy at the same time; the slot counts once the
     * copy is complete.
     */
    private void keep(StepRequest request, boolean handedOver) {
        GradientPartial sent = request.partial();
        int p = request.partition();
        GradientPartial slot;
        synchronized (this) {
            if (sent == null || slots == null || request.lastStep() != step || claimed[p]) {
                return;
            }
            claimed[p] = true;
            if (handedOver) {
                slots[p] = sent;
                fill(p);
                return;
            }
            slot = slots[p];
            if (slot == null || slot.gradients().length != sent.gradients().length) {
                slot = new GradientPartial(sent.gradients().length);
                slots[p] = slot;
            }
        }
        try {
            slot.copyFrom(sent);
        } catch (RuntimeException | Error e) {
            synchronized (this) {
                if (slots[p] == slot && !filled[p]) {
                    claimed[p] = false; // let the partition's next request try again
                }
            }
            throw e;
        }
        synchronized (this) {
            if (slots[p] == slot && claimed[p] && !filled[p]) { // not republished meanwhile
                fill(p);
            }
        }
    }

    private void fill(int p) {
        filled[p] = true;
        received++;
        notifyAll();
    }

    /** A call of a task in the driver's JVM: its partial is lent, so the board copies it (see {@link #exchange(StepRequest, boolean)}). */
    public StepReply exchange(StepRequest request) throws InterruptedException {
        return exchange(request, false);
    }

    /**
     * A task's call: keeps its partial, then answers with the next step, WAIT or STOP.
     *
     * @param handedOver whether the board may keep {@code request}'s partial itself (decoded from the network
     *                   for this call) rather than a copy (a partial its sender will overwrite)
     */
    public StepReply exchange(StepRequest request, boolean handedOver) throws InterruptedException {
        int p = request.partition();
        if (p < 0 || p >= partitions) {
            throw new IllegalArgumentException("partition " + p + " is not one of the " + partitions + " of this run");
        }
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pollMillis);
        keep(request, handedOver);
        synchronized (this) {
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
                + (filled == null ? "" : ", missing " + Arrays.toString(missing()));
    }

    private int[] missing() {
        return java.util.stream.IntStream.range(0, partitions).filter(i -> !filled[i]).toArray();
    }
}
