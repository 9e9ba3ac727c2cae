package io.sparkamp.spark.driver;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.Settings;
import io.sparkamp.core.train.GradientSource;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.config.JobSettings;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.executor.ExecutorMemory;
import org.apache.spark.Dependency;
import org.apache.spark.NarrowDependency;
import org.apache.spark.SparkContext;
import org.apache.spark.rdd.RDD;
import scala.collection.JavaConverters;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * How a step's partials reach the driver, as the {@code transport} setting names it: {@code jobs} (one
 * Spark job per step), {@code barrier} (long-lived tasks in one barrier stage, exchanging partials and
 * weights with the driver over gRPC), or {@code auto}: barrier where Spark allows it for this data, jobs
 * otherwise, with the reason logged.
 *
 * @param name jobs, barrier or auto
 * @param port the driver port the barrier transport listens on (0 = any free port)
 */
public record StepTransport(String name, int port) {
    private static final Logger LOG = LoggerFactory.getLogger(StepTransport.class);
    public static final String JOBS = "jobs";
    public static final String BARRIER = "barrier";
    public static final String AUTO = "auto";

    /** The transport {@code settings} ask for ({@code transport}, {@code transport-port}). */
    public static StepTransport from(Settings settings) {
        return new StepTransport(JobSettings.TRANSPORT.get(settings), JobSettings.TRANSPORT_PORT.get(settings));
    }

    /** One Spark job per step. */
    public static StepTransport jobs() {
        return new StepTransport(JOBS, 0);
    }

    /** The gradient source for {@code data}: barrier or jobs, decided (and logged) for this cluster and data. */
    public GradientSource open(JavaSparkContext sc, WorkerSpec spec, CachedTrainingData data) {
        String chosen = choose(sc, data);
        return BARRIER.equals(chosen) ? new BarrierGradients(sc, spec, data, port) : new SparkJobGradients(sc, spec, data);
    }

    /** jobs or barrier: what {@code auto} resolves to here, or the named transport when Spark allows it. */
    String choose(JavaSparkContext sc, CachedTrainingData data) {
        if (JOBS.equals(name)) {
            return JOBS;
        }
        String obstacle = barrierObstacle(sc.sc(), data);
        if (obstacle == null) {
            LOG.info("step transport: barrier (long-lived tasks, {} partitions){}", data.partitionRows().length,
                    AUTO.equals(name) ? ", chosen by transport=auto" : "");
            return BARRIER;
        }
        if (BARRIER.equals(name)) {
            throw new ConfigException("transport=barrier cannot run here: " + obstacle + " (use transport=jobs or auto)");
        }
        LOG.info("step transport: jobs (one Spark job per step), chosen by transport=auto because {}", obstacle);
        return JOBS;
    }

    /** Why a barrier stage cannot train {@code data} on this cluster, or null when it can. */
    static String barrierObstacle(SparkContext sc, CachedTrainingData data) {
        int partitions = data.partitionRows().length;
        if (sc.conf().getBoolean("spark.dynamicAllocation.enabled", false)) {
            return "dynamic allocation is on (spark.dynamicAllocation.enabled), which barrier stages do not support";
        }
        int slots = sc.maxNumConcurrentTasks(sc.resourceProfileManager().defaultResourceProfile());
        if (slots < partitions) {
            return "the data has " + partitions + " partitions but the cluster runs only " + slots
                    + " tasks at once (a barrier stage runs all of them together); set partitions <= " + slots;
        }
        String chain = narrowAncestorWithOtherPartitioning(data.batches().rdd());
        if (chain != null) {
            return "the cached batches are computed from " + chain + " in the same stage (a barrier stage may not contain "
                    + "ancestors with another number of partitions, such as a coalesce or union)";
        }
        int executors = Math.max(1, sc.getExecutorMemoryStatus().size() - (sc.isLocal() ? 0 : 1));
        long budget = sc.conf().getSizeAsBytes(ExecutorMemory.DECODED_BUDGET_KEY, ExecutorMemory.DEFAULT_DECODED_BUDGET);
        long perExecutor = data.cachedBytes() / executors;
        if (perExecutor > budget) {
            return "each executor would keep about " + (perExecutor >> 20) + " MiB of partitions decoded, more than its budget "
                    + ExecutorMemory.DECODED_BUDGET_KEY + "=" + (budget >> 20) + " MiB";
        }
        return null;
    }

    /**
     * The first ancestor of {@code rdd} reached through narrow dependencies (the same stage) whose number of
     * partitions differs from {@code rdd}'s, described, or null when there is none: Spark refuses such a
     * chain in a barrier stage.
     */
    static String narrowAncestorWithOtherPartitioning(RDD<?> rdd) {
        int partitions = rdd.getNumPartitions();
        Deque<RDD<?>> pending = new ArrayDeque<>(List.of(rdd));
        while (!pending.isEmpty()) {
            RDD<?> current = pending.pop();
            if (current.getNumPartitions() != partitions) {
                return current.getClass().getSimpleName() + " '" + current.toDebugString().lines().findFirst().orElse("").strip()
                        + "' of " + current.getNumPartitions() + " partitions";
            }
            for (Dependency<?> dependency : JavaConverters.seqAsJavaList(current.dependencies())) {
                if (dependency instanceof NarrowDependency<?>) {
                    pending.push(dependency.rdd());
                }
            }
        }
        return null;
    }
}
