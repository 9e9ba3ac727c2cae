package io.sparkamp.spark.data;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.numeric.Precision;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Source → validated table → cached Arrow batches, the path every dataset of a job takes. Nothing is
 * cached, let alone trained on, before validation passed. A failure of Spark while reading the files
 * becomes a {@link DataReadException} naming the file. The caller lends the executors' memory the
 * batches are encoded in ({@link ExecutorAllocator}).
 */
public final class TrainingTables {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingTables.class);

    private TrainingTables() {
    }

    /**
     * Reads {@code spec}, checks it against the model and loss, and caches it for a run computing in
     * {@code precision} (input storage {@code auto}).
     *
     * @param role "training data", "test data", ... for messages
     */
    public static CachedTrainingData loadAndCache(SparkSession spark, DataSpec spec, ModelSpec model, Loss loss,
                                                  Precision precision, int partitions, String role,
                                                  ExecutorAllocator memory) {
        return loadAndCache(spark, spec, model, loss, precision, InputStorage.AUTO, partitions, role, 1, memory);
    }

    /**
     * As above, with the features stored as {@code storage} says (see {@link InputStorage}) and checked
     * against the precision the model reads them in, and every row repeated {@code replicate} times (a
     * benchmark aid: the same data at a multiple of its size, to see that throughput does not depend on
     * the dataset's size).
     */
    public static CachedTrainingData loadAndCache(SparkSession spark, DataSpec spec, ModelSpec model, Loss loss,
                                                  Precision precision, InputStorage storage, int partitions, String role,
                                                  int replicate, ExecutorAllocator memory) {
        if (replicate < 1) {
            throw new ConfigException("replicate must be >= 1, got " + replicate);
        }
        requireOneTarget(model, loss, role, spec.labelCol());
        try {
            TrainingTable table = DatasetReader.read(spark, spec);
            return validateAndCache(table, model, loss, precision, storage, partitions, role, replicate, memory);
        } catch (Exception e) {
            throw ReadFailures.translate(e, spark, spec);
        }
    }

    /**
     * A table that is already read (e.g. one micro-batch of a stream, see {@link DatasetReader#fromFrame}),
     * checked against the model and loss and cached for a run computing in {@code precision}.
     */
    public static CachedTrainingData validateAndCache(TrainingTable table, ModelSpec model, Loss loss, Precision precision,
                                                      InputStorage storage, int partitions, String role,
                                                      ExecutorAllocator memory) {
        requireOneTarget(model, loss, role, table.labelColumn());
        return validateAndCache(table, model, loss, precision, storage, partitions, role, 1, memory);
    }

    private static void requireOneTarget(ModelSpec model, Loss loss, String role, String labelCol) {
        if (loss.targetWidth(model.outputSize()) != 1) {
            throw new ConfigException("loss " + loss.name() + " with " + model.outputSize() + " outputs needs "
                    + loss.targetWidth(model.outputSize()) + " targets per row, but " + role + " has one label column ("
                    + labelCol + "); use a model with one output or softmax_ce");
        }
    }

    private static CachedTrainingData validateAndCache(TrainingTable table, ModelSpec model, Loss loss, Precision precision,
                                                       InputStorage storage, int partitions, String role, int replicate,
                                                       ExecutorAllocator memory) {
        Precision stored = storage.storage(precision, model);
        Precision checked = storage.checkedPrecision(precision, model);
        ValidationRules rules = ValidationRules.of(loss.labelRules(model.outputSize())).withInputPrecision(checked);
        DataValidator.Report report = DataValidator.validate(table, model.inputSize(), rules);
        if (report.valuesFlushedToZero() > 0) {
            LOG.warn("{}: {} of {} feature values are non-zero but smaller than {} can hold (|x| <= {}) and become 0;"
                            + " standardise the features{}", role, report.valuesFlushedToZero(), report.values(),
                    checked.label(), rules.flushThreshold(), checked == Precision.FP16 ? " or train with --precision bf16" : "");
        }
        if (replicate > 1) {
            table = replicated(table, replicate);
        }
        CachedTrainingData cached = CachedTrainingData.build(table, stored, partitions, fingerprint(table),
                report.valuesFlushedToZero() * replicate, memory);
        LOG.info("{}: {} rows x {} features cached as {} Arrow batches in {} partitions, {} bytes ({} bytes per value,"
                        + " {} on disk)", role, cached.rowCount(), cached.featureCount(), stored.label(),
                cached.partitionRows().length, cached.cachedBytes(), String.format("%.3f", cached.cachedBytesPerValue()),
                cached.diskBytes());
        if (cached.diskBytes() > 0) {
            LOG.warn("{}: the cache does not fit in executor memory: {} MiB of {} MiB spilled to disk; steps that read"
                            + " it from disk are slower (more executor memory keeps it in memory)", role,
                    cached.diskBytes() >> 20, cached.cachedBytes() >> 20);
        }
        return cached;
    }

    private static TrainingTable replicated(TrainingTable table, int times) {
        org.apache.spark.sql.Dataset<Row> all = table.data();
        for (int i = 1; i < times; i++) {
            all = all.union(table.data());
        }
        return new TrainingTable(all, table.featureCount(), table.rowCount() * times, table.source() + " x" + times,
                table.labelColumn(), table.featureColumns(), table.assembled());
    }

    /** Sum of a 64-bit hash of every row: the same rows in any order and partitioning give the same value. */
    private static String fingerprint(TrainingTable table) {
        Row row = table.data().agg(functions.sum(functions.xxhash64(functions.col(TrainingTable.LABEL),
                functions.col(TrainingTable.FEATURES)).cast("decimal(38,0)"))).first();
        Object sum = row.isNullAt(0) ? 0 : row.get(0);
        return "xxhash64-sum:" + sum + ":rows=" + table.rowCount();
    }
}
