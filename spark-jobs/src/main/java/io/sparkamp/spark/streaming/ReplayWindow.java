package io.sparkamp.spark.streaming;

import io.sparkamp.spark.data.TrainingTable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The rows of the last N applied micro-batches, trained again with each new one so the model does not
 * forget them. Each micro-batch's validated rows are written as Parquet to {@code replay/batch-ID}
 * before its model commit, and the window is always read back from those files (also in a run that
 * never stopped), so a micro-batch redone after a restart trains on exactly the same rows. Only
 * micro-batches the model commit holds ({@code id <= lastApplied}) count; a leftover of a micro-batch that
 * never committed is overwritten when it is redone.
 */
final class ReplayWindow {
    private static final String PREFIX = "batch-";
    private final SparkSession spark;
    private final Path root;
    private final int size;
    private final FileSystem fs;

    ReplayWindow(SparkSession spark, String directory, int size) {
        this.spark = spark;
        this.root = new Path(directory);
        this.size = size;
        try {
            this.fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open " + directory, e);
        }
    }

    boolean enabled() {
        return size > 0;
    }

    /**
     * Micro-batch {@code batchId}'s rows followed by those of the window's micro-batches (newest first),
     * after storing the new rows for the micro-batches to come.
     */
    TrainingTable withWindow(TrainingTable batch, long batchId, long lastApplied) {
        if (!enabled()) {
            return batch;
        }
        Path own = new Path(root, PREFIX + batchId);
        batch.data().write().mode(SaveMode.Overwrite).parquet(own.toString());
        Dataset<Row> all = spark.read().parquet(own.toString());
        long rows = batch.rowCount();
        for (long id : window(lastApplied)) {
            Dataset<Row> earlier = spark.read().parquet(new Path(root, PREFIX + id).toString());
            rows += earlier.count();
            all = all.union(earlier);
        }
        return new TrainingTable(all, batch.featureCount(), rows, batch.source() + " with replay", batch.labelColumn(),
                batch.featureColumns(), batch.assembled());
    }

    /** Deletes the stored micro-batches that left the window once {@code lastApplied} is committed. */
    void prune(long lastApplied) {
        if (!enabled()) {
            return;
        }
        List<Long> keep = window(lastApplied);
        for (long id : stored()) {
            if (id <= lastApplied && !keep.contains(id)) {
                try {
                    fs.delete(new Path(root, PREFIX + id), true);
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot delete replayed micro-batch " + id + " in " + root, e);
                }
            }
        }
    }

    /** The ids of the newest {@code size} stored micro-batches applied before a micro-batch after {@code lastApplied}. */
    private List<Long> window(long lastApplied) {
        List<Long> ids = new ArrayList<>();
        for (long id : stored()) {
            if (id <= lastApplied) {
                ids.add(id);
            }
        }
        ids.sort((a, b) -> Long.compare(b, a));
        return ids.subList(0, Math.min(size, ids.size()));
    }

    private List<Long> stored() {
        try {
            List<Long> ids = new ArrayList<>();
            if (!fs.exists(root)) {
                return ids;
            }
            for (FileStatus status : fs.listStatus(root)) {
                String name = status.getPath().getName();
                if (status.isDirectory() && name.startsWith(PREFIX) && fs.exists(new Path(status.getPath(), "_SUCCESS"))) {
                    ids.add(Long.parseLong(name.substring(PREFIX.length())));
                }
            }
            return ids;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the replay window in " + root, e);
        }
    }
}
