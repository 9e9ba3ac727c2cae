package io.sparkamp.spark.transport;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.train.PartitionAssignment;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Supplier;

/**
 * The driver's answer to a {@link StepRequest}: compute this step (its assignment and the step's working
 * weights), nothing new yet (ask again), or stop (training is over or paused; the task ends).
 *
 * <p>A step's weights are encoded once per step ({@link #encodeWeights}), when the first task asks over
 * the network, and the same bytes go to every such task after its own small header; a task in the
 * driver's JVM (local mode) gets the weights object itself.
 */
public final class StepReply {
    enum Kind { WAIT, STEP, STOP }

    static final StepReply WAIT = new StepReply(Kind.WAIT, null, null, null);
    static final StepReply STOP = new StepReply(Kind.STOP, null, null, null);

    private final Kind kind;
    private final PartitionAssignment assignment;
    private final WorkingWeights weights;
    /** The weights as {@link #encodeWeights} writes them, made when a reply goes over the network. */
    private final Supplier<byte[]> encodedWeights;

    private StepReply(Kind kind, PartitionAssignment assignment, WorkingWeights weights, Supplier<byte[]> encodedWeights) {
        this.kind = kind;
        this.assignment = assignment;
        this.weights = weights;
        this.encodedWeights = encodedWeights;
    }

    /** A step to compute with {@code weights}; {@code encodedWeights} gives their bytes for the network. */
    static StepReply step(PartitionAssignment assignment, WorkingWeights weights, Supplier<byte[]> encodedWeights) {
        return new StepReply(Kind.STEP, assignment, weights, encodedWeights);
    }

    Kind kind() {
        return kind;
    }

    /** The step's assignment (STEP replies only). */
    public PartitionAssignment assignment() {
        return assignment;
    }

    /** The step's weights (STEP replies only; read-only, shared by the tasks of a JVM). */
    public WorkingWeights weights() {
        return weights;
    }

    boolean isStep() {
        return kind == Kind.STEP;
    }

    boolean isStop() {
        return kind == Kind.STOP;
    }

    /** The working weights as bytes: precision, count, then the 16-bit codes or FP32 values, little-endian. */
    static byte[] encodeWeights(WorkingWeights weights) {
        boolean low = weights.precision().isLow();
        int count = weights.size();
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + count * (low ? 2 : 4)).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) weights.precision().ordinal()).putInt(count);
        if (low) {
            out.asShortBuffer().put(weights.codes());
        } else {
            out.asFloatBuffer().put(weights.values());
        }
        return out.array();
    }

    private static final int STEP_HEADER_BYTES = 1 + 8 + 8 + 4 + 4 + 4;

    /** The reply on the wire: kind, then for a step its assignment and the shared weight bytes (not copied). */
    InputStream stream() {
        ByteBuffer header = ByteBuffer.allocate(kind == Kind.STEP ? STEP_HEADER_BYTES : 1).order(ByteOrder.LITTLE_ENDIAN);
        header.put((byte) kind.ordinal());
        if (kind != Kind.STEP) {
            return new MessageStream(header.array());
        }
        header.putLong(assignment.seed()).putLong(assignment.step()).putInt(assignment.share())
                .putInt(assignment.globalBatch()).putFloat(assignment.lossScale());
        return new MessageStream(header.array(), encodedWeights.get());
    }

    /** Reads a reply from its bytes, decoding the weights. */
    static StepReply decode(byte[] bytes) {
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Kind kind = Kind.values()[in.get()];
        if (kind != Kind.STEP) {
            return kind == Kind.WAIT ? WAIT : STOP;
        }
        PartitionAssignment assignment = new PartitionAssignment(in.getLong(), in.getLong(), in.getInt(), in.getInt(),
                in.getFloat());
        Precision precision = Precision.values()[in.get()];
        int count = in.getInt();
        WorkingWeights weights;
        if (precision.isLow()) {
            short[] codes = new short[count];
            in.asShortBuffer().get(codes);
            weights = WorkingWeights.fromCodes(codes, precision);
        } else {
            float[] values = new float[count];
            in.asFloatBuffer().get(values);
            weights = WorkingWeights.fromFloats(values);
        }
        return new StepReply(Kind.STEP, assignment, weights, null);
    }
}
