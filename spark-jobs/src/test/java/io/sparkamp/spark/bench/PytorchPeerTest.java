package io.sparkamp.spark.bench;

import io.sparkamp.spark.json.Json;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PytorchPeerTest {
    @Test
    void thePeerGetsTheCoresOfTheMaster() {
        assertEquals(2, PytorchPeer.threads("local[2]"));
        assertEquals(3, PytorchPeer.threads("local-cluster[3,1,1024]"));
        assertEquals(Runtime.getRuntime().availableProcessors(), PytorchPeer.threads("local[*]"));
        assertEquals(Runtime.getRuntime().availableProcessors(), PytorchPeer.threads("spark://host:7077"));
    }

    /** A peer whose FP32 ran on the reference BLAS makes the target line "not comparable", whatever the ratio. */
    @Test
    void aPeerOnTheReferenceBlasIsNotComparable() {
        BenchReport.Run fastest = new BenchReport.Run("bf16", 1, Map.of("samples_per_second", 70_000.0));
        String reference = "/usr/lib/x86_64-linux-gnu/blas/libblas.so.3";
        String openBlas = "/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";
        List<PytorchPeer.Result> slow = List.of(peer("fp32", 1_541.0, reference), peer("bf16", 9_000.0, reference));
        String section = PytorchPeer.section(slow, fastest, 1_541.0, 2, "local[2]");
        assertTrue(section.contains("- [not comparable] fastest mode >= 1.0x PyTorch FP32 samples/s (the faster of its two FP32 runs): 45.43x"), section);
        assertTrue(section.contains("| PyTorch fp32 | reference BLAS " + reference + " | 1541 |"), section);
        assertFalse(PytorchPeer.fairPeer(slow));

        List<PytorchPeer.Result> fair = List.of(peer("fp32", 50_000.0, openBlas), peer("bf16", 200_000.0, openBlas));
        section = PytorchPeer.section(fair, fastest, 50_000.0, 2, "local[2]");
        assertTrue(section.contains("- [met] fastest mode >= 1.0x PyTorch FP32 samples/s (the faster of its two FP32 runs): 1.40x"), section);
        assertTrue(section.contains("| PyTorch fp32 | OpenBLAS " + openBlas + " | 50000 |"), section);
        assertTrue(PytorchPeer.fairPeer(fair));
        // A script that names no library (not Linux) is taken at its word.
        Map<String, Object> unnamed = new HashMap<>(Map.of("precision", "fp32", "samples_per_second", 50_000.0));
        unnamed.put("blas", null);
        assertTrue(PytorchPeer.fairPeer(List.of(new PytorchPeer.Result("PyTorch fp32", unnamed))));
    }

    private static PytorchPeer.Result peer(String precision, double samplesPerSecond, String blas) {
        return new PytorchPeer.Result("PyTorch " + precision, Map.of("precision", precision, "samples_per_second", samplesPerSecond,
                "test_accuracy", 0.87, "version", "1.13.0", "batch_size", 4096, "steps", 120, "blas", blas));
    }

    /** The script trains the same MLP on IDX files and prints one JSON line (only where PyTorch is installed). */
    @Test
    @Tag("slow") // trains PyTorch for seconds: left out of the fast set (-DexcludedGroups=slow)
    void theScriptTrainsAndReportsSamplesPerSecond(@TempDir Path dir) throws Exception {
        String python = PytorchPeer.findPython();
        Assumptions.assumeTrue(python != null, "no python3 with torch (apt-get install -y python3-torch)");
        writeIdx(dir.resolve("train-images-idx3-ubyte.gz"), dir.resolve("train-labels-idx1-ubyte.gz"), 256);
        writeIdx(dir.resolve("t10k-images-idx3-ubyte.gz"), dir.resolve("t10k-labels-idx1-ubyte.gz"), 64);
        Path script = Path.of(System.getProperty("user.dir")).getParent().resolve(PytorchPeer.SCRIPT);
        Process p = new ProcessBuilder(python, script.toString(), "--data", dir.toString(), "--threads", "1", "--batch-size", "64",
                "--steps", "3", "--warmup-steps", "1").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES) && p.exitValue() == 0, out);
        Map<String, Object> line = Json.parse(out.substring(out.lastIndexOf('\n') + 1));
        assertEquals("fp32", line.get("precision"));
        assertEquals(3, ((Number) line.get("steps")).intValue());
        assertTrue(((Number) line.get("samples_per_second")).doubleValue() > 0, out);
        double accuracy = ((Number) line.get("test_accuracy")).doubleValue();
        assertTrue(accuracy >= 0 && accuracy <= 1, out);
        // The BLAS it mapped (null where none is mapped, as in a torch with MKL linked in statically).
        assertTrue(line.containsKey("blas"), out);
    }

    /** A gzipped IDX image file (n x 28 x 28 bytes) and label file (n bytes, classes 0-9). */
    private static void writeIdx(Path images, Path labels, int n) throws Exception {
        byte[] header = {0, 0, 8, 3, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n, 0, 0, 0, 28, 0, 0, 0, 28};
        byte[] pixels = new byte[n * 784];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i * 31 % 256);
        }
        byte[] labelHeader = {0, 0, 8, 1, (byte) (n >>> 24), (byte) (n >>> 16), (byte) (n >>> 8), (byte) n};
        byte[] classes = new byte[n];
        for (int i = 0; i < n; i++) {
            classes[i] = (byte) (i % 10);
        }
        gzip(images, header, pixels);
        gzip(labels, labelHeader, classes);
    }

    private static void gzip(Path file, byte[] header, byte[] body) throws Exception {
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(header);
            out.write(body);
        }
    }
}
