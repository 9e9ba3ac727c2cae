package io.sparkamp.core.train;


import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;

/**
 * What one worker (a Spark task or a local partition) sends back for one step: the FP32 gradient of
 * its rows (still multiplied by the loss scale), the loss sum, the row count, how many rows it got
 * right, whether anything was non-finite and how many gradient values underflowed when cast to 16 bits.
 * Partials are summed in a fixed order (partition index), so the result does not depend on which
 * task finishes first.
 */
public final class GradientPartial {
    private float[] gradients;
    private double lossSum;
    private long rows;
    private long correct;
    /** A micro-batch's loss was inf or NaN (its gradients are checked by the driver, in their sum). */
    private boolean nonFinite;
    private long gradientValuesCast;
    private long gradientValuesUnderflowed;
    private long computeNanos;
    /**
     * Set while a receiver in the same JVM (the driver's step board) holds this partial: the worker that
     * made it computes its next step into a new one instead of overwriting this. Never serialized.
     */
    private transient volatile boolean lent;

    /** Kryo needs a no-argument constructor. */
    GradientPartial() {
    }

    /** An empty partial for a model with {@code parameterCount} parameters. */
    public GradientPartial(int parameterCount) {
        this.gradients = new float[parameterCount];
    }

    /** The summed, still scaled FP32 gradient. Callers may modify it in place (the driver unscales it). */
    public float[] gradients() {
        return gradients;
    }

    public double lossSum() {
        return lossSum;
    }

    public long rows() {
        return rows;
    }

    public long correct() {
        return correct;
    }

    /** Whether a micro-batch's loss was inf or NaN; the step is then skipped even if its gradients are finite. */
    public boolean nonFinite() {
        return nonFinite;
    }

    public long gradientValuesCast() {
        return gradientValuesCast;
    }

    public long gradientValuesUnderflowed() {
        return gradientValuesUnderflowed;
    }

    /**
     * Wall time the slowest worker spent computing (forward, backward, sampling): merging keeps the
     * maximum, which is the compute part of a step whose workers run in parallel.
     */
    public long computeNanos() {
        return computeNanos;
    }

    void recordComputeNanos(long nanos) {
        computeNanos = Math.max(computeNanos, nanos);
    }

    /** Adds one micro-batch's results (its gradients are already in {@link #gradients()}). */
    void addBatch(double batchLossSum, int batchRows, long batchCorrect, long cast, long underflowed) {
        lossSum += batchLossSum;
        rows += batchRows;
        correct += batchCorrect;
        gradientValuesCast += cast;
        gradientValuesUnderflowed += underflowed;
        if (!Double.isFinite(batchLossSum)) {
            nonFinite = true;
        }
    }


    /** Marks this partial held by a receiver in this JVM until {@link #giveBack}; its worker will not overwrite it. */
    public void lend() {
        lent = true;
    }

    /** The receiver is done with it (it may have modified it): its worker may overwrite it again. */
    public void giveBack() {
        lent = false;
    }

    /** Whether a receiver in this JVM still holds this partial. */
    public boolean isLent() {
        return lent;
    }

    /** Empties the counters (a worker reusing this partial overwrites every gradient itself). */
    void clearCounters() {
        lossSum = 0;
        rows = 0;
        correct = 0;
        nonFinite = false;
        gradientValuesCast = 0;
        gradientValuesUnderflowed = 0;
        computeNanos = 0;
    }

    /** Empties the counters and zeroes every gradient. */
    void clear() {
        Arrays.fill(gradients, 0f);
        clearCounters();
    }

    /**
     * Makes this partial a copy of {@code other} (same gradients to the bit, same counters), into the
     * buffer it already has.
     */
    public void copyFrom(GradientPartial other) {
        requireSameSize(other, "copy");
        System.arraycopy(other.gradients, 0, gradients, 0, gradients.length);
        lossSum = other.lossSum;
        rows = other.rows;
        correct = other.correct;
        nonFinite = other.nonFinite;
        gradientValuesCast = other.gradientValuesCast;
        gradientValuesUnderflowed = other.gradientValuesUnderflowed;
        computeNanos = other.computeNanos;
    }

    private void requireSameSize(GradientPartial other, String what) {
        if (other.gradients.length != gradients.length) {
            throw new IllegalArgumentException("cannot " + what + " gradients of " + other.gradients.length + " parameters into "
                    + gradients.length);
        }
    }

    /** Adds {@code other} into this partial (element-wise, in index order) and returns this. */
    public GradientPartial merge(GradientPartial other) {
        requireSameSize(other, "merge");
        float[] mine = gradients;
        float[] theirs = other.gradients;
        for (int i = 0; i < mine.length; i++) {
            mine[i] += theirs[i];
        }
        lossSum += other.lossSum;
        rows += other.rows;
        correct += other.correct;
        nonFinite |= other.nonFinite;
        gradientValuesCast += other.gradientValuesCast;
        gradientValuesUnderflowed += other.gradientValuesUnderflowed;
        computeNanos = Math.max(computeNanos, other.computeNanos);
        return this;
    }

    /**
     * Sums the partials of one step into the first, in list order (partition index), so the result does not
     * depend on which task finished first: each gradient is {@code ((g0 + g1) + g2) + ...}.
     */
    public static GradientPartial sumInOrder(List<GradientPartial> partials) {
        GradientPartial total = partials.get(0);
        for (int p = 1; p < partials.size(); p++) {
            total.requireSameSize(partials.get(p), "merge"); // all checked before anything is added
        }
        for (int p = 1; p < partials.size(); p++) {
            total.merge(partials.get(p));
        }
        return total;
    }

    /** Bytes {@link #writeTo} writes. */
    public int encodedBytes() {
        return HEADER_BYTES + 4 * gradients.length;
    }

    private static final int HEADER_BYTES = 4 + 8 + 8 + 8 + 1 + 8 + 8 + 8;

    /**
     * Writes the partial in a fixed little-endian layout (for transports that move it outside Spark's
     * serializer): the parameter count, the counters, then the gradients as raw FP32 bits, so a decoded
     * partial is the same to the bit.
     */
    public void writeTo(ByteBuffer out) {
        ByteBuffer le = out.duplicate().order(ByteOrder.LITTLE_ENDIAN); // the caller's byte order stays as it was
        le.putInt(gradients.length).putDouble(lossSum).putLong(rows).putLong(correct).put((byte) (nonFinite ? 1 : 0))
                .putLong(gradientValuesCast).putLong(gradientValuesUnderflowed).putLong(computeNanos);
        le.asFloatBuffer().put(gradients);
        out.position(le.position() + 4 * gradients.length);
    }

    /** Bytes {@link #readFrom(InputStream, long)} moves at a time: small enough to stay in cache. */
    private static final int CHUNK_BYTES = 64 << 10;

    /**
     * Reads a partial written by {@link #writeTo} from {@code in}, the gradients a chunk at a time straight
     * into the partial's array: a receiver need not first copy the whole message into one.
     *
     * @param bytes how many bytes {@code in} holds from here (a gradient count beyond them is refused
     *              before anything is allocated for it)
     */
    public static GradientPartial readFrom(InputStream in, long bytes) throws IOException {
        byte[] header = in.readNBytes(HEADER_BYTES);
        GradientPartial p = readHeader(ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN), bytes);
        int count = p.gradients.length;
        byte[] chunk = new byte[Math.min(CHUNK_BYTES, 4 * count)];
        FloatBuffer floats = ByteBuffer.wrap(chunk).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int done = 0; done < count; ) {
            int n = Math.min(chunk.length / 4, count - done);
            int read = in.readNBytes(chunk, 0, 4 * n);
            if (read < 4 * n) {
                throw new IllegalArgumentException("truncated gradient partial: " + count + " parameters announced, the message"
                        + " ends after " + (done + read / 4));
            }
            floats.get(0, p.gradients, done, n);
            done += n;
        }
        return p;
    }

    /** The count and counters, checked against the {@code bytes} the whole partial may take; the gradients left to read. */
    private static GradientPartial readHeader(ByteBuffer le, long bytes) {
        if (le.remaining() < HEADER_BYTES) {
            throw new IllegalArgumentException("truncated gradient partial: " + le.remaining() + " bytes, shorter than its header");
        }
        int count = le.getInt();
        if (count < 0 || (long) count * 4 + HEADER_BYTES > bytes) {
            throw new IllegalArgumentException("truncated gradient partial: " + count + " parameters announced, "
                    + (bytes - 4) + " bytes left");
        }
        GradientPartial p = new GradientPartial(count);
        p.lossSum = le.getDouble();
        p.rows = le.getLong();
        p.correct = le.getLong();
        p.nonFinite = le.get() != 0;
        p.gradientValuesCast = le.getLong();
        p.gradientValuesUnderflowed = le.getLong();
        p.computeNanos = le.getLong();
        return p;
    }

    /** Fraction of gradient values cast to 16 bits that underflowed to zero. */
    public double underflowFraction() {
        return gradientValuesCast == 0 ? 0.0 : (double) gradientValuesUnderflowed / gradientValuesCast;
    }
}
