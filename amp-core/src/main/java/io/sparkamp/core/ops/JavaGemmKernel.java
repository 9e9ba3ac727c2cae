package io.sparkamp.core.ops;


/**
 * The portable kernel, always available and always correct. 16-bit inputs are widened to FP32 panels
 * (exactly: every FP16/BF16 value is a float) and multiplied in FP32; products of two 16-bit values are
 * exact in FP32, so only the accumulation rounds. Blocked over k and n so a panel of B stays in cache;
 * the inner loop runs over contiguous columns, which the JIT vectorizes.
 */
public final class JavaGemmKernel extends PanelGemmKernel {
    private static final int K_BLOCK = 256;
    private static final int N_BLOCK = 512;

    @Override
    public String name() {
        return "java";
    }

    @Override
    void multiply(int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                                 float[] c, int cOff, boolean accumulate) {
        if (!accumulate) {
            java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
        }
        for (int n0 = 0; n0 < n; n0 += N_BLOCK) {
            int n1 = Math.min(n, n0 + N_BLOCK);
            for (int k0 = 0; k0 < k; k0 += K_BLOCK) {
                int k1 = Math.min(k, k0 + K_BLOCK);
                for (int i = 0; i < m; i++) {
                    int aRow = aOff + i * k;
                    int cRow = cOff + i * n;
                    for (int p = k0; p < k1; p++) {
                        float aip = a[aRow + p];
                        int bRow = bOff + p * n;
                        for (int j = n0; j < n1; j++) {
                            c[cRow + j] += aip * b[bRow + j];
                        }
                    }
                }
            }
        }
    }
}
