package io.sparkamp.spark.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

class BenchReportTest {
    private static final List<BenchReport.Run> RUNS = List.of(
            new BenchReport.Run("fp32", 1, Map.of("samples_per_second", 40_000.0, "seconds_to_target", 7.6, "steps_to_target", 80,
                    "test_accuracy", 0.856, "cached_bytes_per_value", 4.139, "broadcast_bytes", 4286544, "overhead_fraction", 0.17,
                    "kernel", "fp32=native")),
            new BenchReport.Run("bf16", 1, Map.of("samples_per_second", 70_000.0, "seconds_to_target", 4.6, "steps_to_target", 80,
                    "test_accuracy", 0.857, "cached_bytes_per_value", 2.136, "broadcast_bytes", 2143272, "overhead_fraction", 0.15,
                    "kernel", "bf16=native")));

    /** MLlib's row names the library its JNI BLAS called; on the reference BLAS the time target is not comparable. */
    @Test
    void mllibOnTheReferenceBlasIsNamedAndNotCompared(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("BENCHMARKS.md");
        MllibBaseline.Result slow = new MllibBaseline.Result(50, 1337.8, 0.793, 8.21, 60000, "dev.ludovic.netlib.blas.JNIBLAS",
                BlasLibrary.of("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3"));
        BenchReport.write(report, "bin/amp bench", "local[2]", "3.5.9", RUNS, List.of(), slow, 0.85);
        String text = Files.readString(report);
        assertTrue(text.contains("| JNIBLAS, reference BLAS /usr/lib/x86_64-linux-gnu/blas/libblas.so.3 | 2242 (rows x iterations / fit s) |"), text);
        assertTrue(text.contains("- [not comparable] time to 85.0% >= 10x shorter than MLlib: bf16 took 4.6 s"), text);

        MllibBaseline.Result fair = new MllibBaseline.Result(50, 115.0, 0.793, 8.21, 60000, "dev.ludovic.netlib.blas.JNIBLAS",
                BlasLibrary.of("/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3"));
        BenchReport.write(report, "bin/amp bench", "local[2]", "3.5.9", RUNS, List.of(), fair, 0.85);
        text = Files.readString(report);
        assertTrue(text.contains("| JNIBLAS, OpenBLAS /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 |"), text);
        assertTrue(text.contains("- [met] time to 85.0% >= 10x shorter than MLlib: bf16 took 4.6 s; MLlib had not reached it after 115.0 s"), text);

        MllibBaseline.Result javaBlas = new MllibBaseline.Result(50, 300.0, 0.793, 8.21, 60000, "dev.ludovic.netlib.blas.VectorBLAS",
                BlasLibrary.of(null));
        BenchReport.write(report, "bin/amp bench", "local[2]", "3.5.9", RUNS, List.of(), javaBlas, 0.85);
        assertTrue(Files.readString(report).contains("| VectorBLAS | "), Files.readString(report));
    }
}
