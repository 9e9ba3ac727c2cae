package io.sparkamp.spark.executor;

import java.util.function.LongSupplier;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.spark.SparkEnv;
import org.apache.spark.network.util.JavaUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The off-heap memory of Spark AMP in one executor JVM: the Arrow root allocator that every task and
 * encoder takes a named child of, and the {@link DecodedPartitions} kept open across steps within their
 * budget. One instance per JVM, created by the first task that asks ({@link #get()}) and closed by a
 * shutdown hook when the JVM exits; tests create their own with {@link #ExecutorMemory(LongSupplier)}.
 *
 * <p>The budget of decoded partitions is the Spark setting {@value #DECODED_BUDGET_KEY} (default
 * {@value #DEFAULT_DECODED_BUDGET}), read from the executor's Spark conf whenever a partition asks to be
 * kept, so a new SparkContext in the same JVM (local mode) brings its own value.
 */
public final class ExecutorMemory implements AutoCloseable {
    /** Spark conf key: off-heap bytes for partitions kept decoded across steps, per executor. */
    public static final String DECODED_BUDGET_KEY = "spark.amp.executor.decodedCacheBytes";
    public static final String DEFAULT_DECODED_BUDGET = "2g";
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorMemory.class);
    private static ExecutorMemory jvmInstance;

    private final BufferAllocator root = new RootAllocator(Long.MAX_VALUE);
    private final DecodedPartitions decoded;

    /** An owner whose decoded partitions stay within {@code decodedBudget} bytes (asked at every admission). */
    public ExecutorMemory(LongSupplier decodedBudget) {
        this.decoded = new DecodedPartitions(root, decodedBudget);
    }

    /** This JVM's executor memory, created on first use and closed when the JVM shuts down. */
    public static synchronized ExecutorMemory get() {
        if (jvmInstance == null) {
            ExecutorMemory memory = new ExecutorMemory(ExecutorMemory::budgetFromSparkConf);
            Runtime.getRuntime().addShutdownHook(new Thread(memory::closeAtExit, "spark-amp executor memory"));
            jvmInstance = memory;
        }
        return jvmInstance;
    }

    /** Closes the partitions this JVM keeps decoded, if any (the end of a job in local mode). */
    public static synchronized void releaseDecoded() {
        if (jvmInstance != null) {
            jvmInstance.decoded.clear();
        }
    }

    /** The root allocator: take a named child and close it. */
    public BufferAllocator allocator() {
        return root;
    }

    /** Partitions kept decoded across steps. */
    public DecodedPartitions decoded() {
        return decoded;
    }

    /** Frees every kept partition and closes the root allocator, which fails if a task still holds memory. */
    @Override
    public void close() {
        decoded.clear();
        root.close();
    }

    private void closeAtExit() {
        try {
            close();
        } catch (RuntimeException e) { // tasks killed with the JVM may still hold buffers: nothing to free them for
            LOG.debug("executor memory at exit: {}", e.getMessage());
        }
    }

    /** The budget from the executor's Spark conf; from a system property of the same name outside Spark. */
    static long budgetFromSparkConf() {
        SparkEnv env = SparkEnv.get();
        return env != null ? env.conf().getSizeAsBytes(DECODED_BUDGET_KEY, DEFAULT_DECODED_BUDGET)
                : JavaUtils.byteStringAsBytes(System.getProperty(DECODED_BUDGET_KEY, DEFAULT_DECODED_BUDGET));
    }
}
