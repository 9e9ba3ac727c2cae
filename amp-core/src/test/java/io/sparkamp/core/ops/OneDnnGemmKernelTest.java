package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The oneDNN kernel through the shared contract. The kernel is built directly, not through the
 * provider's self-test, so a wrong result fails the contract instead of being skipped; the test is
 * skipped only when the native library really cannot load on this platform.
 */
class OneDnnGemmKernelTest extends GemmKernelContract {
    private static final GemmKernel KERNEL = load();

    private static GemmKernel load() {
        try {
            return new OneDnnGemmKernel();
        } catch (LinkageError e) {
            return null;
        }
    }

    @Override
    GemmKernel kernel() {
        Assumptions.assumeTrue(KERNEL != null, "oneDNN (org.bytedeco:dnnl) does not load on this platform");
        return KERNEL;
    }

    @Test
    void threadsSharingPrimitivesGetTheSameBitsAsOneThread() throws Exception {
        // Spark runs one task per core in one JVM: the cached primitives run concurrently, each thread with
        // its own stream, buffers and scratchpad.
        GemmKernel kernel = kernel();
        int m = 96;
        int n = 80;
        int k = 300;
        SplittableRandom random = new SplittableRandom(9);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextDouble(-1, 1);
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (float) random.nextDouble(-1, 1);
        }
        short[] a16 = LowPrecisionArrays.encode(Precision.BF16, a);
        short[] b16 = LowPrecisionArrays.encode(Precision.BF16, b);
        float[] expected32 = new float[m * n];
        float[] expected16 = new float[m * n];
        kernel.gemm(true, false, m, n, k, a, 0, b, 0, expected32, 0, false);
        kernel.gemm(Precision.BF16, true, false, m, n, k, a16, 0, b16, 0, expected16, 0, false);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                runs.add(pool.submit(() -> {
                    for (int r = 0; r < 25; r++) {
                        float[] c32 = new float[m * n];
                        float[] c16 = new float[m * n];
                        kernel.gemm(true, false, m, n, k, a, 0, b, 0, c32, 0, false);
                        kernel.gemm(Precision.BF16, true, false, m, n, k, a16, 0, b16, 0, c16, 0, false);
                        assertArrayEquals(expected32, c32, "FP32 on " + Thread.currentThread().getName());
                        assertArrayEquals(expected16, c16, "BF16 on " + Thread.currentThread().getName());
                    }
                    return null;
                }));
            }
            for (Future<?> run : runs) {
                run.get(120, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void noPrecisionFallsBackToTheReferenceImplementation() {
        // oneDNN's "ref" matmul is correct but orders of magnitude slower; the benchmarks assume it is not used.
        kernel();
        for (Precision precision : Precision.values()) {
            String impl = OneDnnGemmKernel.implementation(precision, false, false, 512, 512, 784);
            System.out.println("oneDNN " + OneDnnGemmKernel.version() + " matmul " + precision + ": " + impl);
            assertFalse(impl.startsWith("ref"), precision + " runs on " + impl);
        }
    }

    @Test
    void theBiasAndReluOfALinearLayerRunInTheMatmulsStore() {
        assertTrue(kernel().fusesBias(Precision.FP32), "oneDNN adds a bias and applies a ReLU in its FP32 matmul");
        assertNull(GemmProviders.selfTest(kernel()), "the start-up self-test passes oneDNN, its fused bias and 16-bit stores included");
        for (Precision precision : Precision.values()) {
            boolean widened = kernel().operandStorage(precision) == Precision.FP32;
            assertEquals(widened || kernel().roundsProduct(precision), kernel().fusesBias(precision),
                    precision + ": fused where oneDNN multiplies in FP32 or stores that precision's products itself");
            if (kernel().fusesBias(precision)) {
                String impl = OneDnnGemmKernel.implementationWithBias(precision, 512, 512, 784);
                System.out.println("oneDNN matmul " + precision + " +bias relu: " + impl);
                assertFalse(impl.startsWith("ref") || impl.contains(", ref"), precision + ": the fused multiply runs on " + impl);
            }
        }
    }
}
