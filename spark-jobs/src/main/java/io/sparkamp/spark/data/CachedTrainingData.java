package io.sparkamp.spark.data;

import io.sparkamp.core.numeric.Precision;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockStatus;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageStatus;
import scala.Tuple2;
import scala.collection.JavaConverters;

import java.util.Collections;
import java.util.List;

/**
 * A dataset converted once to Arrow batches in the run's precision and cached by Spark at a storage
 * level that spills to disk, so a training set larger than executor memory still trains. Every step
 * reads this same RDD: lineage never grows. Knows its rows per partition (for the batch plan) and what
 * the cache costs per feature value.
 */
public final class CachedTrainingData {
    /** Rows per cached Arrow batch. */
    static final int BATCH_ROWS = 4096;

    private final JavaRDD<CachedBatch> batches;
    private final long[] partitionRows;
    private final long rowCount;
    private final int featureCount;
    private final long cachedBytes;
    private final String fingerprint;
    private final String source;

    private CachedTrainingData(JavaRDD<CachedBatch> batches, long[] partitionRows, int featureCount, long cachedBytes,
                               String fingerprint, String source) {
        this.batches = batches;
        this.partitionRows = partitionRows;
        long total = 0;
        for (long r : partitionRows) {
            total += r;
        }
        this.rowCount = total;
        this.featureCount = featureCount;
        this.cachedBytes = cachedBytes;
        this.fingerprint = fingerprint;
        this.source = source;
    }

    /**
     * Converts a validated table to cached Arrow batches of {@code precision}, in {@code partitions}
     * partitions (0 = Spark's default parallelism, one task per core), and materialises the cache.
     */
    public static CachedTrainingData build(TrainingTable table, Precision precision, int partitions, String fingerprint) {
        // Repartition as a DataFrame: Spark SQL shuffles its own binary rows (no Kryo of Row objects) and
        // sorts before a round-robin split, so the partitioning is the same on every run and retry.
        Dataset<Row> frame = table.data();
        int current = frame.rdd().getNumPartitions();
        int wanted = partitions > 0 ? partitions : frame.sparkSession().sparkContext().defaultParallelism();
        if (wanted != current) {
            frame = wanted < current ? frame.coalesce(wanted) : frame.repartition(wanted);
        }
        JavaRDD<Row> rows = frame.javaRDD();
        JavaRDD<CachedBatch> batches = rows.mapPartitions(new BatchEncoder(precision, table.featureCount(), BATCH_ROWS))
                .setName("spark-amp " + precision.label() + " batches of " + table.source())
                .persist(StorageLevel.MEMORY_AND_DISK());
        List<Long> counts = batches.mapPartitions(it -> {
            long n = 0;
            while (it.hasNext()) {
                n += it.next().rows();
            }
            return Collections.singletonList(n).iterator();
        }).collect();
        long[] partitionRows = counts.stream().mapToLong(Long::longValue).toArray();
        long bytes = storedBytes(JavaSparkContext.fromSparkContext(batches.context()), batches.id());
        return new CachedTrainingData(batches, partitionRows, table.featureCount(), bytes, fingerprint, table.source());
    }

    /**
     * Bytes the block managers hold for the RDD, asked of the block manager master. Every cached block is
     * reported to it before its task ends, so the figure is complete once the materialising job returns.
     * ({@code SparkContext.getRDDStorageInfo} reads the UI status store, which the listener bus fills
     * asynchronously: right after the job it could still say 0.)
     */
    private static long storedBytes(JavaSparkContext sc, int rddId) {
        long bytes = 0;
        for (StorageStatus status : sc.sc().env().blockManager().master().getStorageStatus()) {
            for (Tuple2<BlockId, BlockStatus> block : JavaConverters.asJavaIterable(status.rddBlocks())) {
                if (block._1() instanceof RDDBlockId id && id.rddId() == rddId) {
                    bytes += block._2().memSize() + block._2().diskSize();
                }
            }
        }
        return bytes;
    }

    /** The cached batches; each step maps over this same RDD. */
    public JavaRDD<CachedBatch> batches() {
        return batches;
    }

    /** Rows per partition, in partition order. */
    public long[] partitionRows() {
        return partitionRows.clone();
    }

    public long rowCount() {
        return rowCount;
    }

    public int featureCount() {
        return featureCount;
    }

    /** Bytes the cache holds (memory plus disk, from Spark's block manager master). */
    public long cachedBytes() {
        return cachedBytes;
    }

    /** Cached bytes per feature value (about 2 in FP16/BF16, 4 in FP32). */
    public double cachedBytesPerValue() {
        return rowCount == 0 ? 0 : (double) cachedBytes / ((double) rowCount * featureCount);
    }

    /** An order-independent hash of the data's content, for provenance. */
    public String fingerprint() {
        return fingerprint;
    }

    public String source() {
        return source;
    }

    /** Drops the cache. */
    public void unpersist() {
        batches.unpersist(false);
    }
}
