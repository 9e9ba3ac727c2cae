package io.sparkamp.core.train;

import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.core.data.ArrayRowSource;
import io.sparkamp.core.scaling.ScalerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.sparkamp.core.train.OptimizerStepTest.bits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run cadence every surface shares: checkpoints at every N steps and at the end, evaluations at every
 * M steps, early stop at the target, the loop giving the same weights as uninterrupted training, and a
 * run that ends skipping or with a non-finite loss failing with a diagnosis that names the likely cause.
 */
class TrainingRunTest {
    private static final List<ArrayRowSource> DATA = TrainingFixtures.partitions(600, 2, 1);

    @Test
    void checkpointsAndEvaluationsHappenAtTheirStepsAndTheWeightsMatchAPlainLoop() {
        TrainConfig config = TrainingFixtures.config(Map.of("steps", "10"));
        TrainingSetup setup = new TrainingSetup(config, 10);
        TrainingLoop loop = new TrainingLoop(setup, new LocalPartitions(setup, DATA));
        List<Long> saved = new ArrayList<>();
        List<Long> evaluated = new ArrayList<>();
        List<Long> stepped = new ArrayList<>();
        TrainingRun run = new TrainingRun(loop, new TrainingRun.Cadence(10, 4, 3, 0),
                s -> new Evaluation(1.0, 0, 1), s -> {
                    saved.add(s.steps());
                    return "ckpt-" + s.steps();
                });
        TrainingState state = setup.freshState();
        TrainingRun.Result result = run.run(state, (s, o, t) -> stepped.add(o.step()), (step, e) -> evaluated.add(step));

        assertEquals(List.of(4L, 8L, 10L), saved);
        assertEquals(List.of(3L, 6L, 9L), evaluated);
        assertEquals(10, stepped.size());
        assertEquals("ckpt-10", result.lastCheckpoint());
        assertTrue(result.trainingSeconds() > 0);

        TrainingSetup plainSetup = new TrainingSetup(config, 10);
        TrainingState plain = new LocalTrainer(plainSetup, DATA).train(plainSetup.freshState(), 10, o -> { });
        assertArrayEquals(bits(plain.master()), bits(state.master()), "the cadence must not change the weights");
    }

    @Test
    void theRunStopsAtTheFirstEvaluationThatReachesTheTarget() {
        TrainConfig config = TrainingFixtures.config(Map.of("steps", "20"));
        TrainingSetup setup = new TrainingSetup(config, 20);
        TrainingLoop loop = new TrainingLoop(setup, new LocalPartitions(setup, DATA));
        double[] accuracies = {0.5, 0.7, 0.9, 0.95};
        int[] call = {0};
        List<Long> saved = new ArrayList<>();
        TrainingRun run = new TrainingRun(loop, new TrainingRun.Cadence(20, 0, 5, 0.85),
                s -> new Evaluation(1.0, Math.round(100 * accuracies[call[0]++]), 100), s -> {
                    saved.add(s.steps());
                    return "ckpt";
                });
        TrainingState state = setup.freshState();
        TrainingRun.Result result = run.run(state, (s, o, t) -> { }, (step, e) -> { });

        assertEquals(15, state.steps(), "evaluations at 5, 10, 15 (0.9 >= 0.85): stop there");
        assertTrue(result.target().reached());
        assertEquals(15, result.target().step());
        assertEquals(List.of(15L), saved, "the final checkpoint is taken where the run stopped");
    }

    @Test
    void aRunWhoseLastStepsAllSkippedFailsAndAStaticScaleIsNamedAsTheCause() {
        // A static scale of 2^40 overflows every FP16 gradient: every step skips, fewer than max-consecutive-skips.
        TrainConfig config = TrainingFixtures.config(Map.of("steps", "6", "precision", "fp16", "loss-scale", "1099511627776"));
        TrainingSetup setup = new TrainingSetup(config, 6);
        TrainingRun run = new TrainingRun(new TrainingLoop(setup, new LocalPartitions(setup, DATA)),
                new TrainingRun.Cadence(6, 0, 0, 0), null, null);
        TrainingFailedException e = assertThrows(TrainingFailedException.class,
                () -> run.run(setup.freshState(), (s, o, t) -> { }, (step, ev) -> { }));
        assertTrue(e.getMessage().contains("last 6 of 6 steps were all skipped"), e.getMessage());
        assertTrue(e.getMessage().contains("static loss scale"), e.getMessage());
    }

    @Test
    void healthJudgesOnlyTheEndOfTheRun() {
        RunHealth health = new RunHealth();
        ScalerConfig dynamic = ScalerConfig.dynamicDefaults();
        assertTrue(health.diagnosis(dynamic).isEmpty(), "no step, nothing to judge");
        for (int i = 1; i <= 12; i++) { // early skips while the scale backs off, then clean steps
            health.onStep(null, outcome(i, i <= 8, 0.5), null);
        }
        assertTrue(health.diagnosis(dynamic).isEmpty());
        for (int i = 13; i <= 22; i++) {
            health.onStep(null, outcome(i, true, 0.5), null);
        }
        String diagnosis = health.diagnosis(dynamic).orElseThrow();
        assertTrue(diagnosis.contains("last 10 of 22 steps"), diagnosis);
        assertTrue(diagnosis.contains("Dynamic loss scaling could not recover"), diagnosis);

        RunHealth nan = new RunHealth();
        nan.onStep(null, outcome(1, false, 0.4), null);
        nan.onStep(null, outcome(2, false, Double.NaN), null);
        assertTrue(nan.diagnosis(ScalerConfig.none()).orElseThrow().contains("final training loss is NaN"));
    }

    private static StepOutcome outcome(long step, boolean skipped, double loss) {
        return new StepOutcome(step, skipped, 1024f, 1024f, 1.0, 0.001f, loss, 0.5, 10, 0);
    }
}
