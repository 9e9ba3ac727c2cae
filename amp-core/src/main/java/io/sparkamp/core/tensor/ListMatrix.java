package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Bf16;
import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.complex.FixedSizeListVector;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The {@link ArrowMatrix} over a {@link FixedSizeListVector}: reads and writes go straight to the element
 * vector's data buffer (row r, column j at element r·cols + j), every slot is valid.
 */
final class ListMatrix implements ArrowMatrix {
    private final String name;
    private final Precision precision;
    private final int rows;
    private final int cols;
    private final BufferAllocator allocator;
    private final FixedSizeListVector vector;
    private final ArrowBuf data;
    /** The data buffer as a native-order byte buffer, for bulk row copies (made on first use). */
    private ByteBuffer view;
    private boolean closed;

    private ListMatrix(String name, Precision precision, int rows, int cols, BufferAllocator allocator, FixedSizeListVector vector) {
        this.name = name;
        this.precision = precision;
        this.rows = rows;
        this.cols = cols;
        this.allocator = allocator;
        this.vector = vector;
        this.data = vector.getDataVector().getDataBuffer();
    }

    /** A zero-filled matrix whose buffers come from a new child of {@code parent} named {@code name}. */
    static ListMatrix allocate(BufferAllocator parent, String name, Precision precision, int rows, int cols) {
        if (rows < 0 || cols < 1) {
            throw new IllegalArgumentException("matrix '" + name + "': shape " + rows + "x" + cols + " needs rows >= 0 and cols >= 1");
        }
        if ((long) rows * cols > Integer.MAX_VALUE / precision.bytes()) {
            throw new IllegalArgumentException("matrix '" + name + "': " + rows + "x" + cols + " " + precision + " exceeds 2 GiB");
        }
        BufferAllocator child = parent.newChildAllocator(name, 0, parent.getLimit());
        FixedSizeListVector vector = null;
        try {
            vector = new FixedSizeListVector(name, child, FieldType.notNullable(new ArrowType.FixedSizeList(cols)), null);
            vector.addOrGetVector(FieldType.notNullable(elementType(precision)));
            vector.setInitialCapacity(rows);
            vector.allocateNew();
            markAllValid(vector, rows, cols);
            return new ListMatrix(name, precision, rows, cols, child, vector);
        } catch (RuntimeException e) {
            if (vector != null) {
                vector.close();
            }
            child.close();
            throw e;
        }
    }

    /**
     * Takes ownership of {@code vector} (already in {@code allocator}, which this matrix then owns), after
     * checking that it is a dense matrix of a known precision. {@code what} names it in errors.
     */
    static ListMatrix adopt(String what, BufferAllocator allocator, FieldVector vector) {
        if (!(vector instanceof FixedSizeListVector)) {
            throw new IllegalArgumentException(what + ": expected a FixedSizeList column, got " + vector.getField().getType());
        }
        FixedSizeListVector list = (FixedSizeListVector) vector;
        FieldVector element = list.getDataVector();
        Precision precision = precisionOf(element.getField().getType());
        if (precision == null) {
            throw new IllegalArgumentException(what + ": element type " + element.getField().getType()
                    + " is not Float2 (FP16), " + Bf16Type.NAME + " (BF16) or Float4 (FP32)"
                    + (element.getField().getMetadata().isEmpty() ? "" : "; metadata " + element.getField().getMetadata()));
        }
        int rows = list.getValueCount();
        int cols = list.getListSize();
        if (element.getValueCount() != (long) rows * cols) {
            throw new IllegalArgumentException(what + ": " + rows + " rows of " + cols + " need " + (long) rows * cols
                    + " elements, found " + element.getValueCount());
        }
        if (list.getNullCount() != 0 || element.getNullCount() != 0) {
            throw new IllegalArgumentException(what + ": a dense matrix has no null rows or elements, found "
                    + list.getNullCount() + " null rows and " + element.getNullCount() + " null elements");
        }
        return new ListMatrix(vector.getName(), precision, rows, cols, allocator, list);
    }

    static ArrowType elementType(Precision precision) {
        switch (precision) {
            case FP16:
                return new ArrowType.FloatingPoint(FloatingPointPrecision.HALF);
            case BF16:
                return Bf16Type.INSTANCE;
            case FP32:
                return new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE);
            default:
                throw new IllegalArgumentException("no Arrow element type for " + precision);
        }
    }

    private static Precision precisionOf(ArrowType type) {
        if (type instanceof Bf16Type) {
            return Precision.BF16;
        }
        if (type instanceof ArrowType.FloatingPoint) {
            FloatingPointPrecision p = ((ArrowType.FloatingPoint) type).getPrecision();
            if (p == FloatingPointPrecision.HALF) {
                return Precision.FP16;
            }
            if (p == FloatingPointPrecision.SINGLE) {
                return Precision.FP32;
            }
        }
        return null;
    }

    private static void markAllValid(FixedSizeListVector vector, int rows, int cols) {
        // Arrow keeps validity bitmaps even for non-nullable fields; IPC readers trust them, so set every bit.
        vector.getValidityBuffer().setOne(0, (rows + 7) / 8);
        vector.getDataVector().getValidityBuffer().setOne(0, ((long) rows * cols + 7) / 8);
        vector.setValueCount(rows);
    }

    FixedSizeListVector vector() {
        ensureOpen();
        return vector;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public Precision precision() {
        return precision;
    }

    @Override
    public void readCodes(int firstRow, int rowCount, short[] dst, int dstOff) {
        requireLow("readCodes");
        int count = checkRows(firstRow, rowCount, dst.length, dstOff, "destination");
        long base = (long) firstRow * cols;
        for (int i = 0; i < count; i++) {
            dst[dstOff + i] = data.getShort((base + i) * 2);
        }
    }

    @Override
    public void readFloats(int firstRow, int rowCount, float[] dst, int dstOff) {
        int count = checkRows(firstRow, rowCount, dst.length, dstOff, "destination");
        long base = (long) firstRow * cols;
        switch (precision) {
            case FP16:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = Fp16.toFloat(data.getShort((base + i) * 2));
                }
                break;
            case BF16:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = Bf16.toFloat(data.getShort((base + i) * 2));
                }
                break;
            default:
                for (int i = 0; i < count; i++) {
                    dst[dstOff + i] = data.getFloat((base + i) * 4);
                }
        }
    }

    @Override
    public void copyRowsTo(int firstRow, int rowCount, ByteBuffer dst, int dstIndex) {
        int width = precision.bytes();
        int count = checkRows(firstRow, rowCount, dst.capacity() / width, dstIndex, "destination");
        if (view == null) {
            view = data.nioBuffer(0, (int) Math.min(data.capacity(), Integer.MAX_VALUE)).order(ByteOrder.nativeOrder());
        }
        dst.put(dstIndex * width, view, (int) ((long) firstRow * cols * width), count * width);
    }

    @Override
    public void writeCodes(int firstRow, int rowCount, short[] src, int srcOff) {
        requireLow("writeCodes");
        int count = checkRows(firstRow, rowCount, src.length, srcOff, "source");
        long base = (long) firstRow * cols;
        for (int i = 0; i < count; i++) {
            data.setShort((base + i) * 2, src[srcOff + i]);
        }
    }

    @Override
    public void writeRowsRoundingToNearestEven(int firstRow, int rowCount, float[] src, int srcOff) {
        int count = checkRows(firstRow, rowCount, src.length, srcOff, "source");
        long base = (long) firstRow * cols;
        switch (precision) {
            case FP16:
                for (int i = 0; i < count; i++) {
                    data.setShort((base + i) * 2, Fp16.fromFloat(src[srcOff + i]));
                }
                break;
            case BF16:
                for (int i = 0; i < count; i++) {
                    data.setShort((base + i) * 2, Bf16.fromFloat(src[srcOff + i]));
                }
                break;
            default:
                for (int i = 0; i < count; i++) {
                    data.setFloat((base + i) * 4, src[srcOff + i]);
                }
        }
    }

    @Override
    public void writeRowRoundingToNearestEven(int row, float[] values) {
        if (values.length != cols) {
            throw new IllegalArgumentException("matrix '" + name + "': row " + row + " has " + values.length
                    + " values but the matrix has " + cols + " columns");
        }
        writeRowsRoundingToNearestEven(row, 1, values, 0);
    }

    @Override
    public long bytesUsed() {
        return allocator.getAllocatedMemory();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            vector.close();
            allocator.close();
        }
    }

    @Override
    public String toString() {
        return "ArrowMatrix[" + name + " " + rows + "x" + cols + " " + precision + "]";
    }

    private void requireLow(String call) {
        if (!precision.isLow()) {
            throw new UnsupportedOperationException("matrix '" + name + "' is FP32 and has no 16-bit codes; use readFloats/"
                    + "writeRowsRoundingToNearestEven instead of " + call);
        }
    }

    /** Checks the row range and the array range; returns the number of values. */
    private int checkRows(int firstRow, int rowCount, int arrayLength, int arrayOff, String arrayName) {
        ensureOpen();
        if (firstRow < 0 || rowCount < 0 || (long) firstRow + rowCount > rows) {
            throw new IndexOutOfBoundsException("matrix '" + name + "': rows [" + firstRow + ", " + ((long) firstRow + rowCount)
                    + ") outside [0, " + rows + ")");
        }
        long count = (long) rowCount * cols;
        if (arrayOff < 0 || count > (long) arrayLength - arrayOff) {
            throw new IndexOutOfBoundsException("matrix '" + name + "': " + rowCount + " rows of " + cols + " values do not fit the "
                    + arrayName + " array of length " + arrayLength + " at offset " + arrayOff);
        }
        return (int) count;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("matrix '" + name + "' is closed");
        }
    }
}
