package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;

import java.util.EnumMap;
import java.util.Map;
import java.util.Objects;

/**
 * Sends each call to the kernel chosen for its precision, e.g. native oneDNN for BF16 and the Vector API
 * for FP32 when that is what measurements on the CPU say. Each precision always goes to the same kernel,
 * so results stay reproducible to the bit.
 */
final class PrecisionRoutingKernel implements GemmKernel {
    private final Map<Precision, GemmKernel> routes;
    private final String name;

    PrecisionRoutingKernel(GemmKernel fp32, GemmKernel fp16, GemmKernel bf16) {
        routes = new EnumMap<>(Precision.class);
        routes.put(Precision.FP32, Objects.requireNonNull(fp32, "fp32"));
        routes.put(Precision.FP16, Objects.requireNonNull(fp16, "fp16"));
        routes.put(Precision.BF16, Objects.requireNonNull(bf16, "bf16"));
        name = "fp32=" + fp32.name() + ",fp16=" + fp16.name() + ",bf16=" + bf16.name();
    }

    /** The kernel calls of {@code precision} go to. */
    GemmKernel route(Precision precision) {
        return routes.get(precision);
    }

    /** "fp32=vector,fp16=vector,bf16=native": which kernel serves each precision. */
    @Override
    public String name() {
        return name;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        routes.get(Precision.FP32).gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        routes.get(precision).gemm(precision, transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     Matrix a, Matrix b, Matrix c, boolean accumulate) {
        routes.get(precision).gemm(precision, transA, transB, m, n, k, a, b, c, accumulate);
    }

    @Override
    public Precision operandStorage(Precision precision) {
        return routes.get(precision).operandStorage(precision);
    }

    @Override
    public boolean roundsProduct(Precision precision) {
        return routes.get(precision).roundsProduct(precision);
    }

    @Override
    public boolean fusesBias(Precision precision) {
        return routes.get(precision).fusesBias(precision);
    }

    @Override
    public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                         Matrix bias, boolean relu, Matrix c) {
        routes.get(precision).gemmBias(precision, transA, transB, m, n, k, a, b, bias, relu, c);
    }
}
