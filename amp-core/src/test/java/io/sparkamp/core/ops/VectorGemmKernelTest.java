package io.sparkamp.core.ops;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The Vector API kernel through the shared contract. Skipped only where the JVM runs without
 * {@code --add-modules jdk.incubator.vector} (surefire's argLine adds it).
 */
class VectorGemmKernelTest extends GemmKernelContract {
    @Override
    GemmKernel kernel() {
        GemmProviders.Loaded loaded = GemmProviders.loadVector();
        Assumptions.assumeTrue(loaded.kernel() != null, () -> "Vector API kernel not available: " + loaded.reason());
        return loaded.kernel();
    }

    @Test
    void everyElementIsOneFmaChainOverPInOrder() {
        // The documented order, bit for bit, whichever tile (2 vectors, 1 vector, padded tail) and k block
        // computes the element: c = fma(a[i][p], b[p][j], c) for p = 0..k-1.
        GemmKernel kernel = kernel();
        SplittableRandom random = new SplittableRandom(5);
        int[][] shapes = {{9, 70, 300}, {5, 15, 513}, {4, 33, 7}, {1, 1, 1}};
        for (int[] s : shapes) {
            int m = s[0];
            int n = s[1];
            int k = s[2];
            float[] a = new float[m * k];
            float[] b = new float[k * n];
            float[] c0 = new float[m * n];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextDouble(-1, 1);
            }
            for (int i = 0; i < b.length; i++) {
                b[i] = (float) random.nextDouble(-1, 1);
            }
            for (int i = 0; i < c0.length; i++) {
                c0[i] = (float) random.nextDouble(-1, 1);
            }
            float[] c = c0.clone();
            kernel.gemm(false, false, m, n, k, a, 0, b, 0, c, 0, true);
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    float expected = c0[i * n + j];
                    for (int p = 0; p < k; p++) {
                        expected = Math.fma(a[i * k + p], b[p * n + j], expected);
                    }
                    assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(c[i * n + j]),
                            "m=" + m + " n=" + n + " k=" + k + " c[" + i + "][" + j + "]");
                }
            }
        }
    }
}
