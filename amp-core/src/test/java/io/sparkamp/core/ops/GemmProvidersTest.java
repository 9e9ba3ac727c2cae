package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;

import java.util.EnumSet;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmProvidersTest {
    private static final GemmKernel NATIVE = new NamedKernel("native");
    private static final GemmKernel VECTOR = new NamedKernel("vector");
    private static final Supplier<GemmProviders.Loaded> NATIVE_OK = () -> GemmProviders.Loaded.ok(NATIVE);
    private static final Supplier<GemmProviders.Loaded> VECTOR_OK = () -> GemmProviders.Loaded.ok(VECTOR);
    private static final Supplier<GemmProviders.Loaded> NATIVE_MISSING = () -> GemmProviders.Loaded.failed("no libdnnl here");
    private static final Supplier<GemmProviders.Loaded> VECTOR_MISSING = () -> GemmProviders.Loaded.failed("no incubator module");

    @Test
    void autoUsesTheMeasuredWinnerWhenBothLoad() {
        GemmKernel kernel = GemmProviders.select("auto", "auto", NATIVE_OK, VECTOR_OK);
        assertSame(GemmProviders.route(GemmProviders.AUTO_NATIVE_PRECISIONS, NATIVE, VECTOR), kernel);
        // On the project's CPU oneDNN won in every precision (BENCHMARKS.md).
        assertSame(NATIVE, kernel);
    }

    @Test
    void routingSplitsByPrecisionOnlyWhenTheWinnersDiffer() {
        assertSame(NATIVE, GemmProviders.route(EnumSet.allOf(Precision.class), NATIVE, VECTOR));
        assertSame(VECTOR, GemmProviders.route(EnumSet.noneOf(Precision.class), NATIVE, VECTOR));
        GemmKernel split = GemmProviders.route(EnumSet.of(Precision.BF16), NATIVE, VECTOR);
        PrecisionRoutingKernel routing = assertInstanceOf(PrecisionRoutingKernel.class, split);
        assertSame(NATIVE, routing.route(Precision.BF16));
        assertSame(VECTOR, routing.route(Precision.FP16));
        assertSame(VECTOR, routing.route(Precision.FP32));
        assertEquals("fp32=vector,fp16=vector,bf16=native", routing.name());
        // Calls really go where the name says: FP32 to the vector kernel, BF16 to the native one.
        CountingKernel fp32 = new CountingKernel("vector");
        CountingKernel bf16 = new CountingKernel("native");
        GemmKernel counted = GemmProviders.route(EnumSet.of(Precision.BF16), bf16, fp32);
        counted.gemm(false, false, 1, 1, 1, new float[] {2}, 0, new float[] {3}, 0, new float[1], 0, false);
        counted.gemm(Precision.BF16, false, false, 1, 1, 1, new short[1], 0, new short[1], 0, new float[1], 0, false);
        counted.gemm(Precision.FP16, false, false, 1, 1, 1, new short[1], 0, new short[1], 0, new float[1], 0, false);
        assertEquals(2, fp32.calls);
        assertEquals(1, bf16.calls);
    }

    @Test
    void autoFallsBackOneGuardAtATime() {
        assertSame(VECTOR, GemmProviders.select("auto", "auto", NATIVE_MISSING, VECTOR_OK));
        assertSame(NATIVE, GemmProviders.select("auto", "auto", NATIVE_OK, VECTOR_MISSING));
        assertInstanceOf(JavaGemmKernel.class, GemmProviders.select("auto", "auto", NATIVE_MISSING, VECTOR_MISSING));
    }

    @Test
    void aForcedKernelThatCannotLoadIsAnErrorNamingTheSettingAndTheReason() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmProviders.select("Native", "native", NATIVE_MISSING, VECTOR_OK));
        assertTrue(e.getMessage().startsWith("kernel:") && e.getMessage().contains("Native")
                && e.getMessage().contains("no libdnnl here"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GemmProviders.select("vector", "vector", NATIVE_OK, VECTOR_MISSING));
        assertTrue(e.getMessage().startsWith("kernel:") && e.getMessage().contains("no incubator module"), e.getMessage());
        assertSame(NATIVE, GemmProviders.select("native", "native", NATIVE_OK, VECTOR_MISSING));
        assertSame(VECTOR, GemmProviders.select("vector", "vector", NATIVE_MISSING, VECTOR_OK));
    }

    @Test
    void theRealSelectionIsMadeOncePerValueAndSharesTheKernel() {
        assertSame(GemmProviders.select("auto"), GemmProviders.select(" AUTO "));
        assertSame(GemmProviders.select(null), GemmProviders.select("auto"));
    }

    @Test
    void realLoadersInThisTestJvm() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector and the dnnl preset is a dependency.
        GemmProviders.Loaded vector = GemmProviders.loadVector();
        assertEquals("vector", vector.kernel().name(), String.valueOf(vector.reason()));
        GemmProviders.Loaded nativeKernel = GemmProviders.loadNative();
        assertEquals("native", nativeKernel.kernel().name(), String.valueOf(nativeKernel.reason()));
    }

    @Test
    void selfTestCatchesAWrongKernelAndPassesTheReference() {
        assertNull(GemmProviders.selfTest(new JavaGemmKernel()));
        GemmKernel offByOne = new NamedKernel("wrong") {
            @Override
            public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                             float[] c, int cOff, boolean accumulate) {
                new JavaGemmKernel().gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
                c[cOff] += 1;
            }
        };
        String mismatch = GemmProviders.selfTest(offByOne);
        assertTrue(mismatch != null && mismatch.startsWith("FP32"), String.valueOf(mismatch));
    }

    private static final class CountingKernel extends NamedKernel {
        int calls;

        CountingKernel(String name) {
            super(name);
        }

        @Override
        public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                         float[] c, int cOff, boolean accumulate) {
            calls++;
        }

        @Override
        public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, short[] a, int aOff,
                         short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
            calls++;
        }
    }

    /** A stand-in that delegates to the Java kernel under another name. */
    private static class NamedKernel implements GemmKernel {
        private final String name;
        private final JavaGemmKernel delegate = new JavaGemmKernel();

        NamedKernel(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                         float[] c, int cOff, boolean accumulate) {
            delegate.gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        }

        @Override
        public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k, short[] a, int aOff,
                         short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
            delegate.gemm(precision, transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
        }
    }
}
