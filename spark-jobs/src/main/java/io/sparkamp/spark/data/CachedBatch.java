package io.sparkamp.spark.data;

/**
 * One Arrow record batch of a partition's training rows, as Arrow IPC stream bytes: features in the
 * run's precision (FP16 Float2, BF16 extension type or FP32) and FP32 targets. Spark caches these
 * byte arrays, so the cache costs about 2 bytes per feature value in mixed runs.
 */
public final class CachedBatch {
    private byte[] ipc;
    private int rows;

    /** Kryo needs a no-argument constructor. */
    CachedBatch() {
    }

    public CachedBatch(byte[] ipc, int rows) {
        this.ipc = ipc;
        this.rows = rows;
    }

    /** The Arrow IPC stream bytes. */
    public byte[] ipc() {
        return ipc;
    }

    /** Rows in the batch. */
    public int rows() {
        return rows;
    }
}
