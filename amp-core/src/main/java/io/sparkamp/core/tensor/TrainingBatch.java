package io.sparkamp.core.tensor;

import io.sparkamp.core.numeric.Precision;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowStreamReader;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.types.FloatingPointPrecision;
import org.apache.arrow.vector.types.pojo.ArrowType;
import org.apache.arrow.vector.types.pojo.FieldType;
import org.apache.arrow.vector.util.TransferPair;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.util.ArrayList;
import java.util.List;

/**
 * One block of training data: a features matrix (FP16, BF16 or FP32) and FP32 labels, as the columns
 * {@value #FEATURES} and {@value #LABELS} of one Arrow record batch. Labels are a {@code Float4} column
 * with one target per row, or {@code FixedSizeList<Float4>} with several.
 *
 * <p>{@link #toIpcBytes()} is the form Spark caches: an Arrow IPC stream with one record batch, about
 * {@code precision.bytes()} bytes per feature value plus validity bitmaps (1/8 byte per value) and labels.
 * The batch owns a child allocator of the one it was built from; {@link #close()} frees everything.
 */
public final class TrainingBatch implements AutoCloseable {
    public static final String FEATURES = "features";
    public static final String LABELS = "labels";
    /** Stored feature bytes per batch as the Spark job caches them (see {@link #cachedRowsPerBatch}). */
    public static final long CACHED_BATCH_BYTES = 256L << 10;
    /** The most rows in a cached batch, however narrow the rows. */
    public static final int MAX_CACHED_ROWS = 4096;

    /**
     * Rows per batch in the Spark job's cache: about {@link #CACHED_BATCH_BYTES} of stored feature values, at
     * least one row, at most {@link #MAX_CACHED_ROWS}. A task's working memory while it builds the cache (about
     * four batches) is then bounded whatever the size of its partition, and Spark's cache, which checks its
     * memory only every 16 values it stores, can spill a partition to disk in time.
     */
    public static int cachedRowsPerBatch(int featureCount, Precision precision) {
        long perRow = (long) Math.max(1, featureCount) * precision.bytes();
        return (int) Math.max(1, Math.min(MAX_CACHED_ROWS, CACHED_BATCH_BYTES / perRow));
    }

    private final BufferAllocator allocator;
    private final ListMatrix features;
    /** Exactly one of the two label forms is set. */
    private final Float4Vector singleLabels;
    private final ListMatrix multiLabels;
    private boolean closed;

    private TrainingBatch(BufferAllocator allocator, ListMatrix features, Float4Vector singleLabels, ListMatrix multiLabels) {
        this.allocator = allocator;
        this.features = features;
        this.singleLabels = singleLabels;
        this.multiLabels = multiLabels;
    }

    /**
     * A batch of {@code rows} rows: {@code features} row-major rows×cols, rounded to nearest-even in
     * {@code precision}; {@code labels} row-major rows×targets, kept in FP32.
     */
    public static TrainingBatch fromRows(BufferAllocator parent, Precision precision, int rows, int cols, float[] features,
                                         int targets, float[] labels) {
        if (rows < 0 || cols < 1 || targets < 1) {
            throw new IllegalArgumentException("batch: needs rows >= 0, cols >= 1, targets >= 1; got rows=" + rows
                    + " cols=" + cols + " targets=" + targets);
        }
        if (features.length != (long) rows * cols) {
            throw new IllegalArgumentException("batch: " + FEATURES + " needs rows*cols = " + rows + "*" + cols + " = "
                    + (long) rows * cols + " values, got " + features.length);
        }
        if (labels.length != (long) rows * targets) {
            throw new IllegalArgumentException("batch: " + LABELS + " needs rows*targets = " + rows + "*" + targets + " = "
                    + (long) rows * targets + " values, got " + labels.length);
        }
        BufferAllocator child = parent.newChildAllocator("batch", 0, parent.getLimit());
        ListMatrix featureMatrix = null;
        Float4Vector single = null;
        ListMatrix multi = null;
        try {
            featureMatrix = ListMatrix.allocate(child, FEATURES, precision, rows, cols);
            featureMatrix.writeRowsRoundingToNearestEven(0, rows, features, 0);
            if (targets == 1) {
                single = new Float4Vector(LABELS, FieldType.notNullable(new ArrowType.FloatingPoint(FloatingPointPrecision.SINGLE)), child);
                single.allocateNew(rows);
                for (int i = 0; i < rows; i++) {
                    single.set(i, labels[i]);
                }
                single.setValueCount(rows);
            } else {
                multi = ListMatrix.allocate(child, LABELS, Precision.FP32, rows, targets);
                multi.writeRowsRoundingToNearestEven(0, rows, labels, 0);
            }
            return new TrainingBatch(child, featureMatrix, single, multi);
        } catch (RuntimeException e) {
            closeAll(featureMatrix, single, multi, child);
            throw e;
        }
    }

    /** Reads a batch written by {@link #toIpcBytes()}; buffers come from a new child of {@code parent}. */
    public static TrainingBatch fromIpcBytes(BufferAllocator parent, byte[] ipcBytes) {
        Bf16Type.register();
        BufferAllocator child = parent.newChildAllocator("batch", 0, parent.getLimit());
        ListMatrix featureMatrix = null;
        Float4Vector single = null;
        ListMatrix multi = null;
        try (ArrowStreamReader reader = new ArrowStreamReader(new ByteArrayInputStream(ipcBytes), child)) {
            if (!reader.loadNextBatch()) {
                throw new IllegalArgumentException("batch IPC stream of " + ipcBytes.length + " bytes holds no record batch");
            }
            VectorSchemaRoot root = reader.getVectorSchemaRoot();
            FieldVector featureColumn = column(root, FEATURES);
            FieldVector labelColumn = column(root, LABELS);
            BufferAllocator featureAllocator = child.newChildAllocator(FEATURES, 0, child.getLimit());
            try {
                featureMatrix = ListMatrix.adopt("batch column '" + FEATURES + "'", featureAllocator, transfer(featureColumn, featureAllocator));
            } catch (RuntimeException e) {
                featureAllocator.close();
                throw e;
            }
            if (labelColumn instanceof Float4Vector) {
                single = (Float4Vector) transfer(labelColumn, child);
            } else {
                BufferAllocator labelAllocator = child.newChildAllocator(LABELS, 0, child.getLimit());
                try {
                    multi = ListMatrix.adopt("batch column '" + LABELS + "'", labelAllocator, transfer(labelColumn, labelAllocator));
                } catch (RuntimeException e) {
                    labelAllocator.close();
                    throw e;
                }
                if (multi.precision() != Precision.FP32) {
                    throw new IllegalArgumentException("batch column '" + LABELS + "' must be FP32, got " + multi.precision());
                }
            }
            if (reader.loadNextBatch()) {
                throw new IllegalArgumentException("batch IPC stream holds more than one record batch");
            }
        } catch (IOException e) {
            closeAll(featureMatrix, single, multi, child);
            // The bytes are in memory, so an IOException can only mean they are not a valid stream.
            throw new IllegalArgumentException("batch: malformed Arrow IPC stream of " + ipcBytes.length + " bytes: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            closeAll(featureMatrix, single, multi, child);
            throw e;
        }
        int labelRows = single != null ? single.getValueCount() : multi.rows();
        if (labelRows != featureMatrix.rows()) {
            closeAll(featureMatrix, single, multi, child);
            throw new IllegalArgumentException("batch: " + featureMatrix.rows() + " feature rows but " + labelRows + " label rows");
        }
        return new TrainingBatch(child, featureMatrix, single, multi);
    }

    private static FieldVector column(VectorSchemaRoot root, String name) {
        FieldVector vector = root.getVector(name);
        if (vector == null) {
            throw new IllegalArgumentException("batch IPC stream has no column '" + name + "' (schema: " + root.getSchema() + ")");
        }
        return vector;
    }

    private static FieldVector transfer(FieldVector from, BufferAllocator to) {
        TransferPair pair = from.getTransferPair(to);
        pair.transfer();
        return (FieldVector) pair.getTo();
    }

    /** Arrow IPC stream bytes (schema, one record batch, end marker) of this batch. */
    public byte[] toIpcBytes() {
        ensureOpen();
        List<FieldVector> columns = new ArrayList<>(2);
        columns.add(features.vector());
        columns.add(singleLabels != null ? singleLabels : multiLabels.vector());
        // The root only borrows the vectors: it is not closed, which would free them.
        VectorSchemaRoot root = new VectorSchemaRoot(columns);
        root.setRowCount(rows());
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8, features.bytesUsed() + 4096));
        try (ArrowStreamWriter writer = new ArrowStreamWriter(root, null, Channels.newChannel(out))) {
            writer.start();
            writer.writeBatch();
            writer.end();
        } catch (IOException e) {
            throw new UncheckedIOException("batch: cannot write Arrow IPC stream", e);
        }
        return out.toByteArray();
    }

    public ArrowMatrix features() {
        ensureOpen();
        return features;
    }

    public int rows() {
        return features.rows();
    }

    /** Label values per row. */
    public int targets() {
        return singleLabels != null ? 1 : multiLabels.cols();
    }

    /** Copies the labels of rows {@code [firstRow, firstRow + rowCount)}, row-major, into {@code dst[dstOff..]}. */
    public void readLabels(int firstRow, int rowCount, float[] dst, int dstOff) {
        ensureOpen();
        if (multiLabels != null) {
            multiLabels.readFloats(firstRow, rowCount, dst, dstOff);
            return;
        }
        if (firstRow < 0 || rowCount < 0 || (long) firstRow + rowCount > rows()) {
            throw new IndexOutOfBoundsException("batch labels: rows [" + firstRow + ", " + ((long) firstRow + rowCount)
                    + ") outside [0, " + rows() + ")");
        }
        if (dstOff < 0 || rowCount > dst.length - dstOff) {
            throw new IndexOutOfBoundsException("batch labels: " + rowCount + " values do not fit the destination array of length "
                    + dst.length + " at offset " + dstOff);
        }
        for (int i = 0; i < rowCount; i++) {
            dst[dstOff + i] = singleLabels.get(firstRow + i);
        }
    }

    /** Off-heap bytes held by the batch. */
    public long bytesUsed() {
        return allocator.getAllocatedMemory();
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeAll(features, singleLabels, multiLabels, allocator);
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("batch is closed");
        }
    }

    private static void closeAll(ListMatrix features, Float4Vector single, ListMatrix multi, BufferAllocator allocator) {
        if (features != null) {
            features.close();
        }
        if (single != null) {
            single.close();
        }
        if (multi != null) {
            multi.close();
        }
        allocator.close();
    }
}
