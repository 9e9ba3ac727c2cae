package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.memory.util.MemoryUtil;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A dense row-major rows×cols matrix in a byte buffer of native byte order: FP32 values, or FP16/BF16
 * codes ({@link #storage}). Off-heap buffers (from a {@link Workspace}) carry their address, so a native
 * kernel reads and writes them in place; heap buffers work everywhere else. A view: it owns no memory,
 * and whoever made its buffer decides how long it stays valid (a workspace's matrix until the slot grows or
 * the workspace is closed; the matrix keeps its workspace reachable, so a forgotten workspace is not freed
 * under it).
 *
 * <p>{@link #roundedTo} says which precision every value is already exact in: codes are exact in their
 * format; FP32 storage may hold values already rounded to FP16/BF16 (e.g. the output of a mixed-precision
 * layer), and a consumer that needs them rounded can then skip rounding again.
 */
public final class Matrix {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Each thread's copy of the codes {@link #readFloats} decodes (grown, never shrunk). */
    private static final ThreadLocal<short[]> CODE_SCRATCH = ThreadLocal.withInitial(() -> new short[0]);

    private final ByteBuffer buffer;
    private final long address;
    private final Precision storage;
    private final Precision roundedTo;
    private final int rows;
    private final int cols;
    /**
     * What owns the off-heap memory (a {@link Workspace}), held so that it stays reachable as long as a view
     * of its memory does: an unreachable workspace's cleaner frees the memory. Null on the heap.
     */
    @SuppressWarnings({"unused", "FieldCanBeLocal"})
    private final Object memoryOwner;

    private Matrix(ByteBuffer buffer, long address, Precision storage, Precision roundedTo, int rows, int cols,
                   Object memoryOwner) {
        this.memoryOwner = memoryOwner;
        this.buffer = buffer;
        this.address = address;
        this.storage = storage;
        this.roundedTo = roundedTo;
        this.rows = rows;
        this.cols = cols;
    }

    /**
     * A matrix over {@code buffer} (position 0 onward; at least rows·cols·storage.bytes() bytes) whose
     * element 0 is at {@code address} off-heap, or 0 for a heap buffer; {@code memoryOwner} (kept reachable by
     * the matrix and its views) owns off-heap memory, null for a heap buffer.
     */
    static Matrix over(ByteBuffer buffer, long address, Precision storage, int rows, int cols, Object memoryOwner) {
        Objects.requireNonNull(storage, "storage");
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("matrix shape " + rows + "x" + cols + " is negative");
        }
        long bytes = (long) rows * cols * storage.bytes();
        if (bytes > buffer.capacity()) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " " + storage + " matrix needs " + bytes
                    + " bytes, the buffer has " + buffer.capacity());
        }
        ByteBuffer view = buffer.slice(0, (int) bytes).order(ORDER);
        return new Matrix(view, address, storage, storage, rows, cols, memoryOwner);
    }

    /** A new zero-filled matrix on the Java heap. */
    public static Matrix onHeap(Precision storage, int rows, int cols) {
        return over(ByteBuffer.allocate(Math.multiplyExact(Math.multiplyExact(rows, cols), storage.bytes())), 0, storage, rows, cols,
                null);
    }

    /** A heap FP32 copy of {@code values[0..rows·cols)}. */
    public static Matrix ofFloats(float[] values, int rows, int cols) {
        Matrix m = onHeap(Precision.FP32, rows, cols);
        m.buffer.asFloatBuffer().put(values, 0, m.size());
        return m;
    }

    /** A heap copy of the 16-bit {@code codes[0..rows·cols)} of {@code precision}. */
    public static Matrix ofCodes(Precision precision, short[] codes, int rows, int cols) {
        requireLow(precision);
        Matrix m = onHeap(precision, rows, cols);
        m.buffer.asShortBuffer().put(codes, 0, m.size());
        return m;
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** rows·cols. */
    public int size() {
        return rows * cols;
    }

    /** How elements are held: FP32 floats, or FP16/BF16 codes. */
    public Precision storage() {
        return storage;
    }

    /** The precision every value is already exact in (the storage itself for codes). */
    public Precision roundedTo() {
        return roundedTo;
    }

    /** This view, declaring its FP32 values already rounded to {@code precision} (the caller vouches for it). */
    public Matrix markRoundedTo(Precision precision) {
        if (storage.isLow() && precision != storage) {
            throw new IllegalArgumentException("a " + storage + " matrix holds " + storage + " values, not " + precision);
        }
        return precision == roundedTo ? this : new Matrix(buffer, address, storage, precision, rows, cols, memoryOwner);
    }

    /** True when every value is exact in {@code precision}: no rounding to it is needed. */
    public boolean isExactIn(Precision precision) {
        return precision == Precision.FP32 || roundedTo == precision;
    }

    /** The elements, from position 0, in native byte order. */
    public ByteBuffer buffer() {
        return buffer;
    }

    /** True when the elements are off-heap at {@link #address()}. */
    public boolean isOffHeap() {
        return address != 0;
    }

    /** Address of element 0 in native memory; only for off-heap matrices. */
    public long address() {
        if (address == 0) {
            throw new IllegalStateException("a heap matrix has no native address");
        }
        return address;
    }

    /** Bytes the elements take. */
    public long bytes() {
        return (long) size() * storage.bytes();
    }

    /** Elements {@code [first, first + rows·cols)} as a rows×cols matrix (same storage and rounding). */
    public Matrix slice(int first, int rows, int cols) {
        long count = (long) rows * cols;
        if (first < 0 || rows < 0 || cols < 0 || first + count > size()) {
            throw new IndexOutOfBoundsException("slice of " + rows + "x" + cols + " at element " + first + " outside a "
                    + this.rows + "x" + this.cols + " matrix");
        }
        int width = storage.bytes();
        ByteBuffer view = buffer.slice(first * width, (int) count * width).order(ORDER);
        return new Matrix(view, address == 0 ? 0 : address + (long) first * width, storage, roundedTo, rows, cols, memoryOwner);
    }

    /** The first {@code rows} rows. */
    public Matrix firstRows(int rows) {
        return slice(0, rows, cols);
    }

    /** Value {@code i} (decoded when held as a code). */
    public float get(int i) {
        return storage.isLow() ? storage.decode(buffer.getShort(i * 2)) : buffer.getFloat(i * 4);
    }

    /** Stores {@code value} at {@code i}, rounded to nearest-even when held as a code. */
    public void set(int i, float value) {
        if (storage.isLow()) {
            buffer.putShort(i * 2, storage.encode(value));
        } else {
            buffer.putFloat(i * 4, value);
        }
    }

    /** Copies every value (decoded) into {@code dst[off..]}. */
    public void readFloats(float[] dst, int off) {
        if (storage.isLow()) { // through this thread's code array, kept: no allocation per call
            short[] codes = CODE_SCRATCH.get();
            if (codes.length < size()) {
                codes = new short[size()];
                CODE_SCRATCH.set(codes);
            }
            buffer.asShortBuffer().get(0, codes, 0, size());
            LowPrecisionArrays.decode(storage, codes, 0, dst, off, size());
        } else {
            buffer.asFloatBuffer().get(dst, off, size());
        }
    }

    /** Every value (decoded) in a new array. */
    public float[] toFloats() {
        float[] out = new float[size()];
        readFloats(out, 0);
        return out;
    }

    /** The 16-bit codes in a new array; only for FP16/BF16 storage. */
    public short[] toCodes() {
        requireLow(storage);
        short[] out = new short[size()];
        buffer.asShortBuffer().get(out);
        return out;
    }

    /** Stores {@code src[off..off + size())}, rounded to nearest-even when held as codes. */
    public void writeFloats(float[] src, int off) {
        if (storage.isLow()) { // encoded straight from the array: one pass, then one copy of the codes
            short[] codes = new short[size()];
            LowPrecisionArrays.encode(storage, src, off, codes, 0, size());
            buffer.asShortBuffer().put(codes);
        } else {
            buffer.asFloatBuffer().put(src, off, size());
        }
    }

    /** Sets every element to +0. */
    public void clear() {
        if (address != 0) {
            MemoryUtil.setMemory(address, bytes(), (byte) 0);
        } else {
            java.util.Arrays.fill(buffer.array(), buffer.arrayOffset(), buffer.arrayOffset() + (int) bytes(), (byte) 0);
        }
    }

    /** Copies the elements of {@code src}, which must have this matrix's storage and size. */
    public void copyFrom(Matrix src) {
        if (src.storage != storage || src.size() != size()) {
            throw new IllegalArgumentException("cannot copy a " + src + " into a " + this);
        }
        buffer.put(0, src.buffer, 0, (int) bytes());
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + "x" + cols + " " + storage + (roundedTo != storage ? " rounded to " + roundedTo : "")
                + (address != 0 ? " off-heap" : "") + "]";
    }

    private static void requireLow(Precision precision) {
        if (!precision.isLow()) {
            throw new IllegalArgumentException("16-bit codes need FP16 or BF16, got " + precision);
        }
    }
}
