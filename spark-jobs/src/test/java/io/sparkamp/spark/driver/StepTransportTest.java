package io.sparkamp.spark.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sparkamp.spark.AmpSparkTestBase;
import io.sparkamp.spark.TrainRuns;
import io.sparkamp.spark.checkpoint.Checkpoint;
import io.sparkamp.spark.datasets.SyntheticDataWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import scala.collection.JavaConverters;

/**
 * The two step transports give the same training to the bit: one Spark job per step, and long-lived
 * tasks in a barrier stage that exchange partials and weights with the driver over gRPC. Same seed, data
 * and partitioning; every precision, with fp16 starting at a loss scale that overflows, so steps are
 * skipped and the scale backs off on both sides. A barrier task that fails makes Spark relaunch the whole
 * stage, and training continues from the driver's last applied step to the same bits.
 */
@org.junit.jupiter.api.Tag("slow")
class StepTransportTest {
    @TempDir
    static Path work;
    private static Path data;
    private static SparkSession spark;
    private static final StageLog stages = new StageLog();

    @BeforeAll
    static void start() {
        spark = session("local[2]", Map.of());
        data = work.resolve("data");
        SyntheticDataWriter.write(spark, data.toString(), new SyntheticDataWriter.Options(300, 50, 16, 4, 1.0f, 5), false);
    }

    @AfterAll
    static void stop() {
        spark.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"fp32", "fp16", "bf16"})
    void jobsAndBarrierTrainToTheSameBits(String precision) throws Exception {
        Checkpoint jobs = train(spark, "jobs", precision, "jobs-" + precision);
        assertEquals(0, stages.barrierStages, "the jobs transport runs no barrier stage");
        Checkpoint barrier = train(spark, "barrier", precision, "barrier-" + precision);
        assertTrue(stages.barrierStages >= 1, "the barrier transport ran its tasks in a barrier stage");
        TrainRuns.assertSameState(jobs, barrier);
        if (precision.equals("fp16")) {
            assertTrue(barrier.skippedSteps() > 0, "the overflowing start skipped steps: " + barrier.skippedSteps());
        }
    }

    /** One task per executor computing with two threads: one partial per step, still the same bits on both transports. */
    @Test
    void oneTaskWithTwoThreadsGivesTheSameBitsOnBothTransports() throws Exception {
        Checkpoint jobs = train(spark, "jobs", "bf16", "threads-jobs", "partitions", "1", "task-threads", "2");
        Checkpoint barrier = train(spark, "barrier", "bf16", "threads-barrier", "partitions", "1", "task-threads", "2");
        assertTrue(stages.barrierStages >= 1, "the barrier transport ran");
        TrainRuns.assertSameState(jobs, barrier);
    }

    /** With every slot free, auto picks barrier; it falls back to jobs when partitions outnumber slots. */
    @Test
    void autoPicksBarrierWhenEveryPartitionHasASlot() throws Exception {
        train(spark, "auto", "fp32", "auto-barrier");
        assertTrue(stages.barrierStages >= 1, "auto chose barrier on local[2] with 2 partitions");
        stages.reset(spark);
        TrainRuns.train(spark, TrainRuns.settings("data", data.resolve("train").toString(), "model", "mlp 16-24-4 relu",
                "steps", "3", "batch-size", "32", "partitions", "3", "log-every", "1000", "transport", "auto"));
        spark.sparkContext().listenerBus().waitUntilEmpty();
        assertEquals(0, stages.barrierStages, "3 partitions on 2 slots: auto fell back to jobs");
    }

    /** Spark refuses a barrier stage over a chain whose ancestors have other partition counts; auto sees it first. */
    @Test
    void aUnionOrCoalesceInTheSameStageIsSeenBeforeSparkRefusesIt() {
        org.apache.spark.api.java.JavaSparkContext sc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());
        org.apache.spark.api.java.JavaRDD<Integer> two = sc.parallelize(List.of(1, 2, 3, 4), 2);
        assertEquals(null, StepTransport.narrowAncestorWithOtherPartitioning(two.map(x -> x + 1).rdd()));
        assertEquals(null, StepTransport.narrowAncestorWithOtherPartitioning(
                two.repartition(3).map(x -> x + 1).rdd()), "a shuffle ends the stage");
        String union = StepTransport.narrowAncestorWithOtherPartitioning(
                sc.parallelize(List.of(1), 1).union(sc.parallelize(List.of(2), 1)).rdd());
        assertTrue(union != null && union.contains("of 1 partitions"), union);
        String coalesce = StepTransport.narrowAncestorWithOtherPartitioning(two.coalesce(1).rdd());
        assertTrue(coalesce != null && coalesce.contains("of 2 partitions"), coalesce);
    }

    @Test
    void aFailedBarrierTaskRelaunchesTheStageAndChangesNoBit() throws Exception {
        Checkpoint undisturbed = train(spark, "barrier", "fp16", "undisturbed");
        SparkSession faulty = null;
        spark.stop();
        try {
            faulty = session("local[2]", Map.of("spark.amp.testing.failTaskAtStep", "5"));
            Checkpoint relaunched = train(faulty, "barrier", "fp16", "relaunched");
            assertTrue(stages.failedTasks >= 1, "a task of the barrier stage failed at step 5");
            assertTrue(stages.barrierStages >= 2, "Spark ran the barrier stage again: " + stages.barrierStages);
            TrainRuns.assertSameState(undisturbed, relaunched);
        } finally {
            if (faulty != null) {
                faulty.stop();
            }
            spark = session("local[2]", Map.of());
        }
    }

    private static Checkpoint train(SparkSession session, String transport, String precision, String name, String... more)
            throws Exception {
        stages.reset(session);
        java.util.Map<String, String> settings = new java.util.LinkedHashMap<>(Map.of("data", data.resolve("train").toString(),
                "model", "mlp 16-24-4 relu", "precision", precision, "loss-scale-init", "4194304",
                "loss-scale-growth-interval", "3", "steps", "12", "batch-size", "32", "micro-batch-size", "8",
                "partitions", "2", "log-every", "1000"));
        settings.putAll(Map.of("checkpoint-every", "5", "transport", transport, "checkpoint-dir", work.resolve(name).toString()));
        for (int i = 0; i < more.length; i += 2) {
            settings.put(more[i], more[i + 1]);
        }
        TrainRuns.Run run = TrainRuns.train(session, TrainRuns.settings(settings.entrySet().stream()
                .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue())).toArray(String[]::new)));
        session.sparkContext().listenerBus().waitUntilEmpty();
        return TrainRuns.load(session, run.checkpoint());
    }

    private static SparkSession session(String master, Map<String, String> extra) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("StepTransportTest").set("spark.ui.enabled", "false");
        extra.forEach(conf::set);
        return SparkSession.builder().config(AmpSparkTestBase.strictKryo(conf)).getOrCreate();
    }

    /** Counts the barrier stages that ran and the tasks that failed, for one training run. */
    private static final class StageLog extends SparkListener {
        volatile int barrierStages;
        volatile int failedTasks;
        private final List<SparkSession> listening = new ArrayList<>();

        void reset(SparkSession session) {
            barrierStages = 0;
            failedTasks = 0;
            if (!listening.contains(session)) {
                session.sparkContext().addSparkListener(this);
                listening.add(session);
            }
        }

        @Override
        public void onStageCompleted(SparkListenerStageCompleted completed) {
            boolean barrier = JavaConverters.seqAsJavaList(completed.stageInfo().rddInfos()).stream()
                    .anyMatch(rdd -> rdd.isBarrier());
            if (barrier) {
                barrierStages++;
            }
        }

        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
            if (!end.taskInfo().successful() && !end.taskInfo().killed()) {
                failedTasks++;
            }
        }
    }
}
