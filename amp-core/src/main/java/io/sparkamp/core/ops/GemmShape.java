package io.sparkamp.core.ops;

/** One multiply a model issues: op(a) m×k times op(b) k×n, with or without accumulating into c. */
public record GemmShape(int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
    public GemmShape {
        if (m <= 0 || n <= 0 || k <= 0) {
            throw new IllegalArgumentException("gemm shape needs positive sizes, got m=" + m + " n=" + n + " k=" + k);
        }
    }

    /** Floating-point operations: 2·m·n·k. */
    public long flops() {
        return 2L * m * n * k;
    }

    @Override
    public String toString() {
        return (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n + "x" + k + (accumulate ? " +c" : "");
    }
}
