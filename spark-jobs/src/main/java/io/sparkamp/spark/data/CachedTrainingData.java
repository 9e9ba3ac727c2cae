package io.sparkamp.spark.data;

import io.sparkamp.core.numeric.Precision;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.storage.BlockId;
import org.apache.spark.storage.BlockStatus;
import org.apache.spark.storage.RDDBlockId;
import org.apache.spark.storage.StorageStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.collection.JavaConverters;

import java.util.Collections;
import java.util.List;

/**
 * A dataset converted once to Arrow batches in its storage precision and cached by Spark as serialized
 * batches, so a training set larger than executor memory still trains: partitions are encoded in bounded
 * batches and written to disk batch by batch when memory is short. Every step reads this same RDD:
 * lineage never grows, and a partition lost with its executor is rebuilt from it. Knows its rows per
 * partition (for the batch plan), where the cache lives and what it costs per feature value.
 *
 * <p>Where Spark keeps it: {@code MEMORY_AND_DISK_SER} when its expected size fits the executors' free
 * storage memory, else {@code DISK_ONLY}. A cache that cannot fit would otherwise fill the storage
 * memory while Spark unrolls each partition, next to the Parquet reader's row-group buffers, which
 * Spark does not account for, and small heaps run out. Steps rarely read this cache: executors keep
 * their partitions decoded off-heap (see {@code DecodedPartitions}) and read it again only after losing
 * them, or at every step for partitions beyond their budget.
 */
public final class CachedTrainingData {
    private static final Logger LOG = LoggerFactory.getLogger(CachedTrainingData.class);
    private final JavaRDD<CachedBatch> batches;
    private final long[] partitionRows;
    private final long[] partitionBytes;
    private final long rowCount;
    private final int featureCount;
    private final Precision storage;
    private final long cachedBytes;
    private final long diskBytes;
    private final long valuesFlushedToZero;
    private final String fingerprint;
    private final String source;

    private CachedTrainingData(JavaRDD<CachedBatch> batches, long[] partitionRows, StoredSize stored, int featureCount,
                               Precision storage, long valuesFlushedToZero, String fingerprint, String source) {
        this.batches = batches;
        this.partitionRows = partitionRows;
        this.partitionBytes = stored.perPartition();
        long total = 0;
        for (long r : partitionRows) {
            total += r;
        }
        this.rowCount = total;
        this.featureCount = featureCount;
        this.storage = storage;
        this.cachedBytes = stored.total();
        this.diskBytes = stored.disk();
        this.valuesFlushedToZero = valuesFlushedToZero;
        this.fingerprint = fingerprint;
        this.source = source;
    }

    /**
     * Converts a validated table to cached Arrow batches of {@code storage} precision, in {@code partitions}
     * partitions (0 = Spark's default parallelism, one task per core), and materialises the cache.
     *
     * @param valuesFlushedToZero what validation counted, reported with the data
     */
    public static CachedTrainingData build(TrainingTable table, Precision storage, int partitions, String fingerprint,
                                           long valuesFlushedToZero) {
        // Repartition as a DataFrame: Spark SQL shuffles its own binary rows (no Kryo of Row objects) and
        // sorts before a round-robin split, so the partitioning is the same on every run and retry. A shuffle
        // also when there are fewer partitions wanted, never a coalesce: a barrier stage over these batches
        // (the barrier step transport) may not contain ancestors with another number of partitions.
        Dataset<Row> frame = table.data();
        int current = frame.rdd().getNumPartitions();
        int wanted = partitions > 0 ? partitions : frame.sparkSession().sparkContext().defaultParallelism();
        if (wanted != current) {
            frame = frame.repartition(wanted);
        }
        JavaRDD<InternalRow> rows = frame.queryExecution().toRdd().toJavaRDD();
        long expected = expectedBytes(table.rowCount(), table.featureCount(), storage);
        long free = freeStorageMemory(JavaSparkContext.fromSparkContext(rows.context()));
        StorageLevel level = expected <= free ? StorageLevel.MEMORY_AND_DISK_SER() : StorageLevel.DISK_ONLY();
        if (level == StorageLevel.DISK_ONLY()) {
            LOG.warn("{}: about {} MiB of cached batches, more than the {} MiB of storage memory free on the executors:"
                    + " caching them on disk", table.source(), expected >> 20, free >> 20);
        }
        JavaRDD<CachedBatch> batches = rows.mapPartitions(new BatchEncoder(storage, table.featureCount()))
                .setName("spark-amp " + storage.label() + " batches of " + table.source())
                .persist(level);
        List<Long> counts = batches.mapPartitions(it -> {
            long n = 0;
            while (it.hasNext()) {
                n += it.next().rows();
            }
            return Collections.singletonList(n).iterator();
        }).collect();
        long[] partitionRows = counts.stream().mapToLong(Long::longValue).toArray();
        StoredSize stored = storedSize(JavaSparkContext.fromSparkContext(batches.context()), batches.id(), partitionRows.length);
        return new CachedTrainingData(batches, partitionRows, stored, table.featureCount(), storage, valuesFlushedToZero,
                fingerprint, table.source());
    }

    /** The cache's size: the stored features, labels and validity bits, and a tenth more for Arrow and Kryo framing. */
    static long expectedBytes(long rows, int features, Precision storage) {
        double perRow = features * (storage.bytes() + 0.125) + 4.125;
        return (long) (rows * perRow * 1.1);
    }

    /**
     * Storage memory free for caching on the executors now (on the driver in local mode, where it is the
     * only block manager), from the block manager master.
     */
    private static long freeStorageMemory(JavaSparkContext sc) {
        long executors = 0;
        long driver = 0;
        boolean anyExecutor = false;
        for (StorageStatus status : sc.sc().env().blockManager().master().getStorageStatus()) {
            if (status.blockManagerId().isDriver()) {
                driver += status.memRemaining();
            } else {
                anyExecutor = true;
                executors += status.memRemaining();
            }
        }
        return anyExecutor ? executors : driver;
    }

    /** Bytes in Spark's cache: per partition (memory plus disk), in all, and on disk. */
    private record StoredSize(long[] perPartition, long total, long disk) {
    }

    /**
     * Bytes the block managers hold for the RDD, asked of the block manager master. Every cached block is
     * reported to it before its task ends, so the figure is complete once the materialising job returns.
     * ({@code SparkContext.getRDDStorageInfo} reads the UI status store, which the listener bus fills
     * asynchronously: right after the job it could still say 0.)
     */
    private static StoredSize storedSize(JavaSparkContext sc, int rddId, int partitions) {
        long[] perPartition = new long[partitions];
        long total = 0;
        long disk = 0;
        for (StorageStatus status : sc.sc().env().blockManager().master().getStorageStatus()) {
            for (Tuple2<BlockId, BlockStatus> block : JavaConverters.asJavaIterable(status.rddBlocks())) {
                if (block._1() instanceof RDDBlockId id && id.rddId() == rddId) {
                    long size = block._2().memSize() + block._2().diskSize();
                    perPartition[id.splitIndex()] = size;
                    total += size;
                    disk += block._2().diskSize();
                }
            }
        }
        return new StoredSize(perPartition, total, disk);
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

    /** What executor tasks need to read the cache: its RDD id and the rows and bytes of every partition. */
    public PartitionLayout layout() {
        return new PartitionLayout(batches.context().applicationId(), batches.id(), partitionRows.clone(),
                partitionBytes.clone());
    }

    /** Bytes the cache holds (memory plus disk, from Spark's block manager master, when it was built). */
    public long cachedBytes() {
        return cachedBytes;
    }

    /** Bytes of the cache that were on disk when it was built (0 when it fit in memory). */
    public long diskBytes() {
        return diskBytes;
    }

    /** The precision the features are stored in. */
    public Precision storage() {
        return storage;
    }

    /** Non-zero feature values that became zero in the precision the model reads them in. */
    public long valuesFlushedToZero() {
        return valuesFlushedToZero;
    }

    /** Cached bytes per feature value (about 2 in FP16/BF16 storage, 4 in FP32). */
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
