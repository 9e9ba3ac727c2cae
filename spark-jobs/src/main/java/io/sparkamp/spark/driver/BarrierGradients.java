package io.sparkamp.spark.driver;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.GradientSource;
import io.sparkamp.core.train.PartitionAssignment;
import io.sparkamp.core.train.WorkerSpec;
import io.sparkamp.spark.data.CachedBatch;
import io.sparkamp.spark.data.CachedTrainingData;
import io.sparkamp.spark.executor.BarrierGradientTask;
import io.sparkamp.spark.transport.StepBoard;
import io.sparkamp.spark.transport.StepBoards;
import io.sparkamp.spark.transport.StepServer;
import org.apache.spark.api.java.JavaFutureAction;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;
import scala.reflect.ClassTag$;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Long-lived training tasks as a {@link GradientSource}: one Spark barrier stage whose tasks (one per
 * cached partition) stay alive across steps. Each step the driver publishes the working weights and the
 * assignments on its {@link StepServer}; every task sends its partial back over the same RPC and is told
 * the next step (tasks in the driver's JVM, in local mode, call the board directly). The driver sums the partials in partition order, exactly as {@link SparkJobGradients}
 * does, so both transports give the same bits; a step costs its compute plus one round trip instead of a
 * Spark job.
 *
 * <p>Faults: a task that fails fails its barrier stage; Spark kills the other tasks and relaunches the
 * whole stage, whose tasks ask the driver for the step it is waiting on, so training continues from the
 * driver's last applied step. When Spark gives up, the step fails with Spark's reason.
 *
 * <p>The stage holds every task slot it uses, so it is stopped whenever the loop stops stepping
 * ({@link #pause}: evaluations and checkpoints run Spark jobs) and launched again by the next step;
 * executors keep their partitions decoded, so a relaunch costs a stage launch, not a data load.
 */
public final class BarrierGradients implements GradientSource {
    private static final Logger LOG = LoggerFactory.getLogger(BarrierGradients.class);
    /** How long a task's request for the next step waits on the driver before it asks again. */
    static final long POLL_MILLIS = 1_000;
    /** A task's call fails after this long without an answer (the driver is gone). */
    private static final long CALL_DEADLINE_MILLIS = 120_000;

    private final JavaSparkContext sc;
    private final CachedTrainingData data;
    private final WorkerSpec workerSpec;
    private final int partitions;
    private final StepBoard board;
    private final StepServer server;
    private final long runToken = new SecureRandom().nextLong();
    private JavaFutureAction<List<Long>> stage;
    private int launches;

    /**
     * Starts the driver's step exchange; the barrier stage starts with the first step.
     *
     * @param port the port tasks reach the driver on (0 = any free port)
     */
    public BarrierGradients(JavaSparkContext sc, WorkerSpec workerSpec, CachedTrainingData data, int port) {
        this.sc = sc;
        this.data = data;
        this.workerSpec = workerSpec;
        this.partitions = data.partitionRows().length;
        this.board = new StepBoard(partitions, POLL_MILLIS);
        String host = sc.getConf().get("spark.driver.host", "localhost");
        this.server = StepServer.start(host, port, runToken, board);
        StepBoards.register(runToken, board); // tasks in this JVM (local mode) call the board directly
    }

    @Override
    public long[] partitionRows() {
        return data.partitionRows();
    }

    @Override
    public StepGradient compute(WorkingWeights weights, PartitionAssignment[] assignments) {
        board.publish(weights, assignments);
        if (stage == null) {
            launch();
        }
        try {
            GradientPartial[] partials = board.awaitPartials(this::stageFailure);
            return new StepGradient(GradientPartial.sumInOrder(Arrays.asList(partials)), board.weightBytes() * partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the partials of step " + assignments[0].step(), e);
        }
    }

    private void launch() {
        JavaRDD<CachedBatch> batches = data.batches();
        BarrierGradientTask task = new BarrierGradientTask(server.host(), server.port(), runToken, CALL_DEADLINE_MILLIS,
                workerSpec, data.layout());
        // The shuffle after the barrier stage makes it a shuffle map stage: Spark relaunches such a stage
        // whole when one of its tasks fails, where it would abort a failed barrier result stage.
        JavaRDD<Long> steps = batches.rdd().barrier()
                .mapPartitionsWithIndex(task, true, ClassTag$.MODULE$.apply(Long.class))
                .toJavaRDD()
                .mapToPair(computed -> new Tuple2<>(0, computed))
                .reduceByKey(Long::sum, 1)
                .values();
        String description = sc.getLocalProperty("spark.job.description");
        sc.setJobDescription("spark-amp: " + partitions + " long-lived training tasks (barrier stage)");
        try {
            stage = steps.collectAsync();
        } finally {
            sc.setJobDescription(description);
        }
        launches++;
        LOG.info("barrier transport: launched {} long-lived training tasks ({} launch{} so far), step exchange at {}:{}",
                partitions, launches, launches == 1 ? "" : "es", server.host(), server.port());
    }

    /** Non-null when the barrier stage ended while the driver still waits for partials. */
    private RuntimeException stageFailure() {
        if (stage == null || !stage.isDone()) {
            return null;
        }
        try {
            stage.get();
            return new IllegalStateException("the barrier stage of training tasks ended before sending every partial ("
                    + board + ")");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return new IllegalStateException("the barrier stage of training tasks failed: " + cause.getMessage(), cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new IllegalStateException("interrupted", e);
        }
    }

    /** Ends the tasks (they finish their current exchange and return), so other jobs can use the slots. */
    @Override
    public void pause() {
        if (stage == null) {
            return;
        }
        board.stop();
        try {
            stage.get(CALL_DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            LOG.warn("barrier transport: the training tasks ended with an error after their last step: {}",
                    e.getCause() == null ? e.toString() : e.getCause().getMessage());
        } catch (TimeoutException e) {
            LOG.warn("barrier transport: training tasks still running {} s after being told to stop; cancelling them",
                    CALL_DEADLINE_MILLIS / 1000);
            stage.cancel(true);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stage.cancel(true);
        } finally {
            stage = null;
        }
    }

    /** How often the barrier stage was launched (once per stretch of steps between pauses). */
    public int launches() {
        return launches;
    }

    @Override
    public void close() {
        try {
            pause();
        } finally {
            StepBoards.remove(runToken);
            server.close();
        }
    }
}
