package io.sparkamp.core.train;

import io.sparkamp.core.optim.GradientClipping;
import io.sparkamp.core.optim.LrSchedule;
import io.sparkamp.core.optim.OptimizerConfig;
import io.sparkamp.core.optim.ScheduleConfig;
import io.sparkamp.core.scaling.LossScaler;
import io.sparkamp.core.scaling.ScalerConfig;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The step state machine (docs/architecture.md §1-§2) through its public API: skip on any non-finite gradient without
 * touching weights or optimizer state, LR schedule indexed by applied steps, clipping on unscaled gradients,
 * and determinism. Gradients are handed in already multiplied by the current loss scale, as workers send them;
 * the default dynamic scale 2^16 (and its halves) is a power of two, so unscaling them is exact.
 */
class OptimizerStepTest {
    private static final int PARAMS = 8;

    // ---------------------------------------------------------------- (a) and (d): skipping

    @Test
    void positiveInfinityInTheAggregatedGradientSkipsTheStepAndLeavesEverythingBitIdentical() {
        assertSkipLeavesStateUntouched(Float.POSITIVE_INFINITY);
    }

    @Test
    void nanInTheAggregatedGradientSkipsTheStepAndLeavesEverythingBitIdentical() {
        assertSkipLeavesStateUntouched(Float.NaN);
    }

    private static void assertSkipLeavesStateUntouched(float poison) {
        TrainingState state = adamState();
        OptimizerStep machine = new OptimizerStep(ScheduleConfig.constant(0.01f).create(), 0, false);
        // Two clean steps first, so the Adam moments are non-zero and a stray write to them would show.
        machine.apply(state, scaled(state, randomGradient(1)));
        machine.apply(state, scaled(state, randomGradient(2)));
        assertEquals(2, state.optimizer().state().steps());

        int[] masterBefore = bits(state.master());
        Map<String, int[]> slotsBefore = slotBits(state);
        long optimizerStepsBefore = state.optimizer().state().steps();
        float scaleBefore = state.scaler().scale();

        GradientPartial poisoned = scaled(state, randomGradient(3));
        poisoned.gradients()[5] = poison;
        StepOutcome outcome = machine.apply(state, poisoned);

        assertTrue(outcome.skipped(), "a " + poison + " gradient must skip the step");
        assertArrayEquals(masterBefore, bits(state.master()), "master weights must stay bit-identical");
        assertSlotsEqual(slotsBefore, slotBits(state));
        assertEquals(optimizerStepsBefore, state.optimizer().state().steps(), "optimizer step count");
        assertEquals(1, state.skippedSteps());
        assertEquals(2, state.optimizerSteps());
        assertEquals(3, state.steps());
        assertEquals(65536f, scaleBefore, "dynamic default initial scale");
        assertEquals(scaleBefore * 0.5f, state.scaler().scale(), "dynamic defaults back off by half on the first overflow");
        assertEquals(scaleBefore, outcome.lossScale());
        assertEquals(scaleBefore * 0.5f, outcome.nextLossScale());
        assertTrue(Double.isNaN(outcome.gradNorm()), "no norm for a skipped step");
    }

    @Test
    void theNonFiniteFlagAloneSkipsEvenWhenEveryGradientValueIsFinite() {
        TrainingState state = adamState();
        OptimizerStep machine = new OptimizerStep(ScheduleConfig.constant(0.01f).create(), 0, false);
        machine.apply(state, scaled(state, randomGradient(1)));
        int[] masterBefore = bits(state.master());
        Map<String, int[]> slotsBefore = slotBits(state);

        GradientPartial flagged = scaled(state, randomGradient(2));
        // A worker whose loss went non-finite although the gradient it sent back is finite.
        GradientPartial worker = new GradientPartial(PARAMS);
        worker.addBatch(Double.NaN, 4, 0, 0, 0);
        flagged.merge(worker);
        for (float g : flagged.gradients()) {
            assertTrue(Float.isFinite(g));
        }
        assertTrue(flagged.nonFinite());

        StepOutcome outcome = machine.apply(state, flagged);
        assertTrue(outcome.skipped());
        assertArrayEquals(masterBefore, bits(state.master()));
        assertSlotsEqual(slotsBefore, slotBits(state));
        assertEquals(1, state.optimizer().state().steps());
        assertEquals(1, state.skippedSteps());
        assertEquals(32768f, state.scaler().scale());
    }

    // ---------------------------------------------------------------- (b): LR schedule and skipped steps

    @Test
    void skippedStepsDoNotAdvanceAStepSchedule() {
        // lr(k) = 0.1 * 0.5^k: every optimizer step halves the rate, so an index off by one shows at once.
        LrSchedule schedule = ScheduleConfig.step(0.1f, 1, 0.5f).create();
        List<Float> applied = appliedRates(schedule, false);
        assertEquals(List.of(0.1f, 0.05f, 0.025f), applied, "applied rates are lr(0), lr(1), lr(2) despite the two skips");
    }

    @Test
    void withScheduleAdvancesOnSkipTheSkippedStepsConsumeScheduleIndices() {
        LrSchedule schedule = ScheduleConfig.step(0.1f, 1, 0.5f).create();
        // attempts: 0 applied, 1 skipped, 2 applied, 3 skipped, 4 applied
        List<Float> applied = appliedRates(schedule, true);
        assertEquals(List.of(0.1f, 0.025f, 0.00625f), applied, "applied rates are lr(0), lr(2), lr(4)");
    }

    @Test
    void skippedStepsDoNotAdvanceACosineSchedule() {
        LrSchedule schedule = ScheduleConfig.cosine(0.1f, 0, 10, 0f).create();
        List<Float> notAdvancing = appliedRates(schedule, false);
        List<Float> advancing = appliedRates(schedule, true);
        assertEquals(List.of(schedule.lrAt(0), schedule.lrAt(1), schedule.lrAt(2)), notAdvancing);
        assertEquals(List.of(schedule.lrAt(0), schedule.lrAt(2), schedule.lrAt(4)), advancing);
        assertNotEquals(notAdvancing, advancing, "the two indexings must be distinguishable on this schedule");
    }

    /**
     * Runs applied, skipped, applied, skipped, applied with plain SGD (no momentum, no decay) and returns the
     * learning rate each applied step really used, read back from the weight change: the weights are zeroed
     * before each step and g = 1 on every parameter, so p' = -lr exactly. Also checks the rate each outcome reports.
     */
    private static List<Float> appliedRates(LrSchedule schedule, boolean advancesOnSkip) {
        TrainingState state = new TrainingState(new float[PARAMS], plainSgd(), new LossScaler(ScalerConfig.dynamicDefaults()), 0, 0, 0);
        OptimizerStep machine = new OptimizerStep(schedule, 0, advancesOnSkip);
        float[] ones = new float[PARAMS];
        java.util.Arrays.fill(ones, 1f);
        List<Float> rates = new ArrayList<>();
        for (int attempt = 0; attempt < 5; attempt++) {
            boolean skip = attempt % 2 == 1;
            GradientPartial partial = scaled(state, ones);
            if (skip) {
                partial.gradients()[0] = Float.POSITIVE_INFINITY;
            }
            java.util.Arrays.fill(state.master(), 0f);
            StepOutcome outcome = machine.apply(state, partial);
            assertEquals(skip, outcome.skipped());
            if (!skip) {
                float used = -state.master()[3];
                assertEquals(used, outcome.learningRate(), "reported lr of attempt " + attempt);
                rates.add(used);
            }
        }
        return rates;
    }

    // ---------------------------------------------------------------- (c): clipping on unscaled gradients

    @Test
    void aGradientWhoseUnscaledNormIsBelowTheClipNormIsNotClipped() {
        float lr = 0.1f;
        float[] unscaled = {0.3f, -0.4f, 0f, 0.1f, 0f, 0f, -0.2f, 0f};
        double norm = l2(unscaled); // ~0.548, far below 1 while the scaled norm is ~35900
        TrainingState state = sgdStateAt(initialWeights());
        float[] before = state.master().clone();
        OptimizerStep machine = new OptimizerStep(ScheduleConfig.constant(lr).create(), 1.0, false);

        GradientPartial partial = scaled(state, unscaled);
        assertTrue(l2(partial.gradients()) > 1.0, "the scaled gradient's norm is above clip-norm");
        StepOutcome outcome = machine.apply(state, partial);

        assertFalse(outcome.skipped());
        assertEquals(norm, outcome.gradNorm(), 1e-12, "gradNorm is the unscaled norm");
        assertEquals(Double.doubleToRawLongBits(GradientClipping.globalNorm(unscaled)), Double.doubleToRawLongBits(outcome.gradNorm()),
                "the norm that comes with the unscale has GradientClipping.globalNorm's bits");
        for (int i = 0; i < PARAMS; i++) {
            float expected = (float) (before[i] - (double) lr * unscaled[i]);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(state.master()[i]),
                    "unclipped SGD update of parameter " + i);
        }
    }

    @Test
    void aGradientWhoseUnscaledNormIsAboveTheClipNormIsClippedToIt() {
        float lr = 0.1f;
        double clip = 1.0;
        float[] unscaled = {3f, -4f, 0f, 12f, 0f, 0f, 0f, 0f}; // norm 13
        TrainingState state = sgdStateAt(initialWeights());
        float[] before = state.master().clone();
        OptimizerStep machine = new OptimizerStep(ScheduleConfig.constant(lr).create(), clip, false);

        StepOutcome outcome = machine.apply(state, scaled(state, unscaled));

        assertFalse(outcome.skipped());
        assertEquals(13.0, outcome.gradNorm(), 1e-12, "gradNorm is the unscaled norm before clipping");
        double[] applied = new double[PARAMS];
        for (int i = 0; i < PARAMS; i++) {
            applied[i] = ((double) before[i] - state.master()[i]) / lr;
        }
        double appliedNorm = 0;
        for (double a : applied) {
            appliedNorm += a * a;
        }
        appliedNorm = Math.sqrt(appliedNorm);
        // float rounding of p - lr * g leaves ~1e-7 relative on each component
        assertEquals(clip, appliedNorm, 1e-5, "the applied gradient has the clip norm");
        for (int i = 0; i < PARAMS; i++) {
            assertEquals(unscaled[i] / 13.0, applied[i], 1e-5, "direction kept for parameter " + i);
        }
    }

    // ---------------------------------------------------------------- (e): determinism

    @Test
    void theSameInputsOnTwoFreshStatesGiveBitIdenticalResults() {
        TrainingState a = adamState();
        TrainingState b = adamState();
        OptimizerStep machineA = new OptimizerStep(ScheduleConfig.cosine(0.01f, 2, 8, 0.001f).create(), 0.5, false);
        OptimizerStep machineB = new OptimizerStep(ScheduleConfig.cosine(0.01f, 2, 8, 0.001f).create(), 0.5, false);
        List<StepOutcome> outcomesA = new ArrayList<>();
        List<StepOutcome> outcomesB = new ArrayList<>();
        for (int step = 0; step < 8; step++) {
            GradientPartial pa = scaled(a, randomGradient(100 + step));
            GradientPartial pb = scaled(b, randomGradient(100 + step));
            if (step == 4) {
                pa.gradients()[2] = Float.NaN;
                pb.gradients()[2] = Float.NaN;
            }
            outcomesA.add(machineA.apply(a, pa));
            outcomesB.add(machineB.apply(b, pb));
        }
        assertEquals(outcomesA, outcomesB);
        assertArrayEquals(bits(a.master()), bits(b.master()));
        assertSlotsEqual(slotBits(a), slotBits(b));
        assertEquals(a.scaler().state(), b.scaler().state());
        assertEquals(a.optimizer().state().steps(), b.optimizer().state().steps());
        assertEquals(7, a.optimizerSteps());
        assertFalse(java.util.Arrays.equals(bits(initialWeights()), bits(a.master())), "the steps really moved the weights");
    }

    // ---------------------------------------------------------------- helpers

    private static float[] initialWeights() {
        float[] w = new float[PARAMS];
        for (int i = 0; i < PARAMS; i++) {
            w[i] = 0.25f * (i - 3);
        }
        return w;
    }

    private static TrainingState adamState() {
        return TrainingState.fresh(initialWeights(), OptimizerConfig.defaults("adam").create(PARAMS),
                new LossScaler(ScalerConfig.dynamicDefaults()));
    }

    private static TrainingState sgdStateAt(float[] weights) {
        return TrainingState.fresh(weights, plainSgd(), new LossScaler(ScalerConfig.dynamicDefaults()));
    }

    private static io.sparkamp.core.optim.Optimizer plainSgd() {
        return new OptimizerConfig("sgd", 0f, false, 0.9f, 0.999f, 1e-8f, 0f).create(PARAMS);
    }

    /** Gradient values of moderate size with few significant bits, so scaling by 2^16 and back is exact. */
    private static float[] randomGradient(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] g = new float[PARAMS];
        for (int i = 0; i < PARAMS; i++) {
            g[i] = (float) (random.nextInt(-512, 513) / 1024.0);
        }
        return g;
    }

    /** A worker's partial: {@code unscaled} multiplied by the state's current loss scale. */
    private static GradientPartial scaled(TrainingState state, float[] unscaled) {
        float scale = state.scaler().scale();
        GradientPartial partial = new GradientPartial(PARAMS);
        for (int i = 0; i < PARAMS; i++) {
            partial.gradients()[i] = unscaled[i] * scale;
        }
        partial.addBatch(1.0, 4, 0, 0, 0);
        return partial;
    }

    private static double l2(float[] v) {
        double s = 0;
        for (float x : v) {
            s += (double) x * x;
        }
        return Math.sqrt(s);
    }

    static int[] bits(float[] values) {
        int[] b = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = Float.floatToRawIntBits(values[i]);
        }
        return b;
    }

    static Map<String, int[]> slotBits(TrainingState state) {
        Map<String, int[]> out = new LinkedHashMap<>();
        state.optimizer().state().slots().forEach((name, values) -> out.put(name, bits(values)));
        return out;
    }

    static void assertSlotsEqual(Map<String, int[]> expected, Map<String, int[]> actual) {
        assertEquals(expected.keySet(), actual.keySet(), "optimizer slot names");
        assertFalse(expected.isEmpty(), "the optimizer under test keeps slots");
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), "optimizer slot '" + name + "'"));
    }
}
