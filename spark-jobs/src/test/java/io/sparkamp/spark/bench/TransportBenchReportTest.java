package io.sparkamp.spark.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A transport bench run without {@code transport-cluster} keeps the multi-JVM table an earlier run wrote, its
 * heading saying when it was measured, instead of dropping it; later runs keep that date.
 */
class TransportBenchReportTest {
    private static final String TABLE = """
            | global batch | transport | samples/s | vs jobs | median step ms | median compute ms | outside compute |
            |---|---|---|---|---|---|---|
            | 4096 | barrier | 62,653 | 1.80x | 59.1 | 43.9 | 25% |
            """;

    @Test
    void aRunWithoutTheClusterKeepsTheEarlierTableWithItsDate(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("BENCHMARKS.md");
        Files.writeString(report, "# Benchmarks\n\n" + TransportBench.START + "\n## Step transport\n\n- Date: 2026-11-29; command: x\n"
                + "- Machine: AMD EPYC (family 26, model 2), 2 cores; flags of note: avx2 avx512f\n\n"
                + "| a |\n|---|\n| 1 |\n\nExecutors in JVMs of their own: `local-cluster[2,1,1536]` (100 steps):\n\n" + TABLE
                + "\nProjection (arithmetic):\n\n| b |\n|---|\n" + TransportBench.END + "\nafter\n");

        String kept = TransportBench.keptClusterBlock(report);
        assertTrue(kept.startsWith("\nExecutors in JVMs of their own (measured 2026-11-29 on AMD EPYC (family 26, model 2);"), kept);
        assertTrue(kept.contains("`local-cluster[2,1,1536]` (100 steps):\n\n" + TABLE), kept);
        assertTrue(!kept.contains("Projection"), kept);

        // The next run writes the kept block into its own section (dated today); the run after keeps the first date.
        BenchReport.splice(report, TransportBench.START + "\n- Date: 2026-12-01; command: y\n- Machine: another, 8 cores; flags\n" + kept + "\nProjection:\n"
                + TransportBench.END + "\n", TransportBench.START, TransportBench.END);
        assertEquals(kept, TransportBench.keptClusterBlock(report));
        assertTrue(Files.readString(report).endsWith("after\n"));
    }

    @Test
    void nothingToKeepWithoutAnEarlierTable(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("BENCHMARKS.md");
        assertEquals("", TransportBench.keptClusterBlock(report), "no report yet");
        Files.writeString(report, "# Benchmarks\n\n" + TransportBench.START + "\n- Date: 2026-11-29\n\n| a |\n|---|\n"
                + TransportBench.END + "\n");
        assertEquals("", TransportBench.keptClusterBlock(report));
        Files.writeString(report, "# Benchmarks\n\n" + TransportBench.START + "\n- Date: 2026-11-29\n\n| a |\n|---|\n\n"
                + "Executors in JVMs of their own: cut short\n" + TransportBench.END + "\n");
        assertEquals("", TransportBench.keptClusterBlock(report), "a heading without its table");
    }
}
