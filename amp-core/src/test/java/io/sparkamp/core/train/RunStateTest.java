package io.sparkamp.core.train;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.config.TrainConfig;
import io.sparkamp.core.data.ArrayRowSource;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.sparkamp.core.train.OptimizerStepTest.assertSlotsEqual;
import static io.sparkamp.core.train.OptimizerStepTest.bits;
import static io.sparkamp.core.train.OptimizerStepTest.slotBits;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The run state as one value: a snapshot taken mid-run and restored under a new setup continues to the
 * same bits as the uninterrupted run, the snapshot is a deep copy, a surface's extras travel with it, and
 * a state that cannot continue under a config is refused naming the setting and both values.
 */
@Tag("slow") // trains for seconds: left out of the fast set (-DexcludedGroups=slow)
class RunStateTest {
    private static final List<ArrayRowSource> DATA = TrainingFixtures.partitions(600, 2, 3);
    /** Dropout, a cosine schedule with warm-up and a scale that starts too high: every part of the state moves. */
    private static final Map<String, String> MOVING = Map.of(
            "model", "input 32 | linear 64 | relu | dropout 0.2 | linear 10",
            "schedule", "cosine", "warmup-steps", "3", "steps", "16", "loss-scale", "dynamic", "loss-scale-init", "16777216",
            "loss-scale-growth-interval", "3");
    private static final int N = 8;

    @Test
    void aSnapshotRestoredUnderANewSetupContinuesBitIdentically() {
        TrainConfig config = TrainingFixtures.config(MOVING);
        List<StepOutcome> straightOutcomes = new ArrayList<>();
        TrainingSetup straightSetup = new TrainingSetup(config, 2L * N);
        TrainingState straight = new LocalTrainer(straightSetup, DATA).train(straightSetup.freshState(), 2L * N,
                straightOutcomes::add);

        List<StepOutcome> outcomes = new ArrayList<>();
        TrainingSetup first = new TrainingSetup(config, 2L * N);
        LocalTrainer firstTrainer = new LocalTrainer(first, DATA);
        TrainingState live = firstTrainer.train(first.freshState(), N, outcomes::add);
        live.extras().put("stream.last-batch-id", "41");
        RunState snapshot = live.snapshot(first, Map.of("data", "/data/train"), Map.of("run_id", "r1"));
        int[] masterAtSnapshot = bits(snapshot.master());
        firstTrainer.train(live, N + 2, step -> { }); // the live state goes on; the snapshot must not move with it
        assertArrayEquals(masterAtSnapshot, bits(snapshot.master()), "the snapshot is a copy of the weights");

        TrainingSetup second = new TrainingSetup(config, 2L * N);
        TrainingState restored = second.restore(snapshot);
        assertEquals(Map.of("stream.last-batch-id", "41"), restored.extras(), "a surface's extras come back");
        TrainingState resumed = new LocalTrainer(second, DATA).train(restored, 2L * N, outcomes::add);

        assertEquals(straightOutcomes, outcomes, "every step's outcome (lr, scale, loss, norm)");
        assertArrayEquals(bits(straight.master()), bits(resumed.master()), "master weights");
        assertSlotsEqual(slotBits(straight), slotBits(resumed));
        assertEquals(straight.scaler().state(), resumed.scaler().state());
        assertTrue(straight.skippedSteps() > 0, "the run skipped steps, so the scaler state mattered");
    }

    @Test
    void aSnapshotRecordsCountersPositionsModelAndSettings() {
        TrainConfig config = TrainingFixtures.config(MOVING);
        TrainingSetup setup = new TrainingSetup(config, 2L * N);
        TrainingState live = new LocalTrainer(setup, DATA).train(setup.freshState(), N, step -> { });
        RunState s = live.snapshot(setup, Map.of("data", "/data/train"), Map.of("seed", "5"));

        assertEquals(N, s.steps());
        assertEquals(live.optimizerSteps(), s.optimizerSteps());
        assertEquals(live.skippedSteps(), s.skippedSteps());
        assertEquals(N, s.dataPosition());
        assertEquals(live.optimizerSteps(), s.schedulePosition(false), "skipped steps do not advance the schedule by default");
        assertEquals(N, s.schedulePosition(true));
        assertEquals(setup.model().toSpecString(), s.model());
        assertEquals("fp16", s.config().get("precision"));
        assertEquals("cosine", s.config().get("schedule"));
        assertEquals("/data/train", s.config().get("data"), "the surface's settings sit beside the engine's");
        assertEquals(Map.of("seed", "5"), s.provenance());
        assertThrows(UnsupportedOperationException.class, () -> s.config().put("lr", "1"), "the maps are read-only");
    }

    @Test
    void restoreRefusesAnotherModelNamingBothSpecs() {
        RunState saved = snapshotOf(Map.of());
        TrainingSetup wider = new TrainingSetup(TrainingFixtures.config(Map.of("model", "mlp 32-48-10 relu")), 10);
        ConfigException e = assertThrows(ConfigException.class, () -> wider.restore(saved));
        assertTrue(e.getMessage().startsWith("model:") && e.getMessage().contains(saved.model())
                && e.getMessage().contains("linear 48"), e.getMessage());
    }

    @Test
    void restoreRefusesAnotherOptimizerNamingBoth() {
        RunState saved = snapshotOf(Map.of());
        TrainingSetup sgd = new TrainingSetup(TrainingFixtures.config(Map.of("optimizer", "sgd")), 10);
        ConfigException e = assertThrows(ConfigException.class, () -> sgd.restore(saved));
        assertTrue(e.getMessage().startsWith("optimizer:") && e.getMessage().contains("adam")
                && e.getMessage().contains("sgd"), e.getMessage());
    }

    @Test
    void restoreRefusesAScalerStateTheLossScaleSettingsCouldNotHaveMade() {
        RunState saved = snapshotOf(Map.of("loss-scale", "dynamic"));
        TrainingSetup unscaled = new TrainingSetup(TrainingFixtures.config(Map.of("loss-scale", "none")), 10);
        ConfigException e = assertThrows(ConfigException.class, () -> unscaled.restore(saved));
        assertTrue(e.getMessage().startsWith("loss-scale:") && e.getMessage().contains("65536"), e.getMessage());
    }

    @Test
    void restoreRefusesMasterWeightsOfAnotherLength() {
        RunState saved = snapshotOf(Map.of());
        RunState truncated = new RunState(saved.steps(), saved.optimizerSteps(), saved.skippedSteps(),
                java.util.Arrays.copyOf(saved.master(), 10), saved.optimizer(), saved.scaler(), saved.model(), saved.config(),
                saved.provenance(), saved.extras());
        TrainingSetup setup = new TrainingSetup(TrainingFixtures.config(Map.of()), 10);
        ConfigException e = assertThrows(ConfigException.class, () -> setup.restore(truncated));
        assertTrue(e.getMessage().contains("10 master weights"), e.getMessage());
    }

    @Test
    void countersThatDisagreeAreRefused() {
        RunState saved = snapshotOf(Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RunState(5, 3, 1, saved.master(),
                saved.optimizer(), saved.scaler(), saved.model(), Map.of(), Map.of(), Map.of()));
        assertTrue(e.getMessage().contains("steps=5"), e.getMessage());
    }

    /** A state after 3 steps of the fixtures' config with {@code overrides}. */
    private static RunState snapshotOf(Map<String, String> overrides) {
        TrainingSetup setup = new TrainingSetup(TrainingFixtures.config(overrides), 10);
        TrainingState live = new LocalTrainer(setup, DATA).train(setup.freshState(), 3, step -> { });
        return live.snapshot(setup, Map.of(), Map.of());
    }
}
