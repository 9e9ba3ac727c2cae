package io.sparkamp.spark.compare;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The final table from hand-made runs: speedup and accuracy difference against fp32, the verdict at and
 * beyond the tolerance, time to target from the first evaluation that reaches it, and the default target.
 */
class ComparisonTableTest {
    private static RunResult run(String name, String lossScale, double accuracy, double samplesPerSecond, double... evalAccuracies) {
        List<RunMetrics.Evaluation> evals = new java.util.ArrayList<>();
        for (int i = 0; i < evalAccuracies.length; i++) {
            // evaluation i at step 10(i+1), after 2(i+1) training seconds
            evals.add(new RunMetrics.Evaluation(10L * (i + 1), 3.0 * (i + 1), 2.0 * (i + 1), 1.0, evalAccuracies[i]));
        }
        List<RunMetrics.Step> steps = List.of(new RunMetrics.Step(1, 0.5, 2.0, 1, false, 0, name.equals("fp16-noscale") ? 0.3 : 0, 100));
        Map<String, Object> summary = Map.of("test_accuracy", accuracy, "test_loss", 0.5, "samples_per_second", samplesPerSecond,
                "cached_bytes_per_value", 2.13, "skipped_steps", 0, "loss_scale", 65536.0, "kernel", "java");
        Variant v = new Variant(name, name.startsWith("fp16") ? "fp16" : name, lossScale);
        return new RunResult(v, summary, new RunMetrics(steps, evals));
    }

    @Test
    void verdictsSpeedupsAndTimeToTarget() {
        ComparisonTable table = ComparisonTable.of(List.of(
                run("fp32", "none", 0.80, 1000, 0.5, 0.78, 0.80),
                run("fp16", "dynamic", 0.79, 1500, 0.6, 0.79, 0.79),   // exactly at the tolerance: matches
                run("bf16", "none", 0.85, 2000, 0.85),                 // beyond it, upwards
                run("fp16-noscale", "none", 0.10, 1200, 0.1, 0.1)),    // beyond it, downwards; never reaches 0.79
                0.01, 0.79);
        List<ComparisonTable.Row> rows = table.rows();
        assertEquals(List.of(ComparisonTable.Verdict.REFERENCE, ComparisonTable.Verdict.MATCHES, ComparisonTable.Verdict.BETTER,
                ComparisonTable.Verdict.WORSE), rows.stream().map(ComparisonTable.Row::verdict).toList());
        assertEquals(1.5, rows.get(1).speedup(), 1e-12);
        assertEquals(2.0, rows.get(2).speedup(), 1e-12);
        assertEquals(-0.70, rows.get(3).accuracyDifference(), 1e-12);
        assertEquals(30, rows.get(0).stepsToTarget()); // fp32 reaches 0.79 at its third evaluation
        assertEquals(6.0, rows.get(0).secondsToTarget(), 1e-12);
        assertEquals(20, rows.get(1).stepsToTarget());
        assertEquals(-1, rows.get(3).stepsToTarget());
        assertTrue(Double.isNaN(rows.get(3).secondsToTarget()));
        assertEquals("dynamic, final 65,536", rows.get(1).scaling());
        assertEquals(0.3, rows.get(3).maxUnderflowFraction(), 0);

        String markdown = table.markdown();
        assertTrue(markdown.contains("| fp16-noscale | none | 0.1000 | 0.5000 | not reached | 1,200 | 2.130 | 1.20x | -0.7000 | WORSE than fp32 | 0 | 30.0% | java |"),
                markdown);
        assertTrue(markdown.contains("| fp32 | none | 0.8000 | 0.5000 | 6.0 (step 30) | 1,000 | 2.130 | 1.00x | +0.0000 | reference |"), markdown);
        assertTrue(markdown.contains("within ±0.0100 of fp32's matches; target accuracy 0.7900 (--target-accuracy)"), markdown);
        List<String> conclusions = table.conclusions();
        assertEquals(3, conclusions.size());
        assertTrue(conclusions.get(2).startsWith("fp16-noscale WORSE than fp32: test accuracy 0.1000 vs 0.8000 (-0.7000"), conclusions.get(2));
        assertTrue(conclusions.get(2).contains("up to 30.0% of its 16-bit gradient values underflowed"), conclusions.get(2));
    }

    @Test
    void withoutATargetTheTargetIsFp32sFinalAccuracyMinusTheTolerance() {
        ComparisonTable table = ComparisonTable.of(List.of(run("fp32", "none", 0.80, 1000, 0.70, 0.80),
                run("bf16", "none", 0.78, 1000, 0.70, 0.78)), 0.02, 0);
        assertEquals(0.78, table.target(), 1e-12);
        assertEquals(ComparisonTable.Verdict.MATCHES, table.rows().get(1).verdict());
        assertEquals(20, table.rows().get(1).stepsToTarget());
        assertTrue(table.rule().contains("fp32's final test accuracy minus the tolerance"), table.rule());
    }
}
