package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmProvidersTest {
    /** Multiplies BF16 natively (keeps 16-bit operands), FP16 only via FP32 (asks for FP32 operands), like oneDNN on AVX512-BF16. */
    private static final GemmKernel NATIVE = new NamedKernel("native", Precision.BF16);
    private static final GemmKernel VECTOR = new NamedKernel("vector", null);
    private static final Supplier<GemmProviders.Loaded> NATIVE_OK = () -> GemmProviders.Loaded.ok(NATIVE);
    private static final Supplier<GemmProviders.Loaded> VECTOR_OK = () -> GemmProviders.Loaded.ok(VECTOR);
    private static final Supplier<GemmProviders.Loaded> NATIVE_MISSING = () -> GemmProviders.Loaded.failed("no libdnnl here");
    private static final Supplier<GemmProviders.Loaded> VECTOR_MISSING = () -> GemmProviders.Loaded.failed("no incubator module");
    private static final List<GemmShape> SHAPES = List.of(new GemmShape(512, 10, 256, false, false, false),
            new GemmShape(256, 10, 512, true, false, true));

    @TempDir
    Path cache;

    /** A timer that reads the time of each candidate from a table and records what it was asked. */
    private static final class TableTimer implements GemmProviders.KernelTimer {
        final Map<String, Double> millis;
        final List<String> asked = new ArrayList<>();

        TableTimer(Map<String, Double> millis) {
            this.millis = millis;
        }

        @Override
        public double[] millis(List<GemmKernel> kernels, Precision precision, List<GemmShape> shapes) {
            assertEquals(SHAPES, shapes, "measured on the model's own multiplies");
            double[] out = new double[kernels.size()];
            for (int i = 0; i < out.length; i++) {
                asked.add(kernels.get(i).name() + " " + precision.label() + " " + shapes.size());
                out[i] = millis.get(kernels.get(i).name());
            }
            return out;
        }
    }

    private GemmProviders.Sources sources(Supplier<GemmProviders.Loaded> nativeLoader, Supplier<GemmProviders.Loaded> vectorLoader,
                                          GemmProviders.KernelTimer timer) {
        return new GemmProviders.Sources(nativeLoader, vectorLoader, timer, new KernelChoices(cache));
    }

    private GemmKernel auto(Precision precision, GemmProviders.Sources sources) {
        return GemmProviders.select("auto", "auto", precision, SHAPES, sources);
    }

    @Test
    void autoMeasuresTheCandidatesOfThePrecisionOnTheModelShapesAndTakesTheFastest() {
        TableTimer timer = new TableTimer(Map.of("native", 4.0, "native-fp32", 3.0, "vector-fp32", 9.0));
        GemmKernel kernel = auto(Precision.BF16, sources(NATIVE_OK, VECTOR_OK, timer));
        assertEquals(List.of("native bf16 2", "native-fp32 bf16 2", "vector-fp32 bf16 2"), timer.asked,
                "only the run's precision is measured, each candidate once");
        // BF16 took the measured winner; FP32 and FP16 keep the first candidate (FP16 is not native here).
        assertEquals("fp32=native,fp16=native-fp32,bf16=native-fp32", kernel.name());
        PrecisionRoutingKernel routes = assertInstanceOf(PrecisionRoutingKernel.class, kernel);
        assertEquals(Precision.FP32, routes.operandStorage(Precision.BF16), "native-fp32 keeps BF16 operands as FP32 values");
        assertEquals(Precision.BF16, NATIVE.operandStorage(Precision.BF16));
    }

    @Test
    void theChoiceIsRememberedPerMachineAndNotMeasuredAgain() throws Exception {
        TableTimer first = new TableTimer(Map.of("native", 2.0, "native-fp32", 3.0, "vector-fp32", 9.0));
        String chosen = "fp32=native,fp16=native-fp32,bf16=native";
        assertEquals(chosen, auto(Precision.BF16, sources(NATIVE_OK, VECTOR_OK, first)).name());
        assertTrue(Files.readString(cache.resolve(KernelChoices.FILE)).contains("-> native"), "the file says what was measured");
        TableTimer second = new TableTimer(Map.of("native", 9.0, "native-fp32", 1.0, "vector-fp32", 9.0));
        assertEquals(chosen, auto(Precision.BF16, sources(NATIVE_OK, VECTOR_OK, second)).name(),
                "a later run (a resumed one too) computes with the remembered kernel");
        assertEquals(List.of(), second.asked);
        TableTimer otherCandidates = new TableTimer(Map.of("native", 9.0, "native-fp32", 1.0));
        assertEquals("fp32=native,fp16=native-fp32,bf16=native-fp32",
                auto(Precision.BF16, sources(NATIVE_OK, VECTOR_MISSING, otherCandidates)).name(),
                "other candidates are another question, measured anew");
    }

    @Test
    void aChoiceIsKeyedByTheInstructionLimitsAUserSets() {
        Map<String, String> vm = Map.of("UseAVX", "3", "MaxVectorSize", "64");
        String plain = KernelChoices.limits(Map.of(), vm::get);
        assertEquals("isa=unset; UseAVX=3; MaxVectorSize=64", plain);
        assertEquals("isa=AVX2; UseAVX=3; MaxVectorSize=64", KernelChoices.limits(Map.of("ONEDNN_MAX_CPU_ISA", "AVX2"), vm::get));
        assertEquals("isa=AVX512_CORE; UseAVX=3; MaxVectorSize=64",
                KernelChoices.limits(Map.of("DNNL_MAX_CPU_ISA", "AVX512_CORE"), vm::get), "oneDNN's older name counts too");
        assertEquals("isa=unset; UseAVX=2; MaxVectorSize=32",
                KernelChoices.limits(Map.of(), Map.of("UseAVX", "2", "MaxVectorSize", "32")::get));
        String here = KernelChoices.limits();
        assertTrue(here.matches("isa=\\S+; UseAVX=\\S+; MaxVectorSize=\\S+"), here);
    }

    @Test
    void aKernelThatComputesWrongIsNeverChosenHoweverFast() {
        GemmKernel wrongVector = new NamedKernel("vector", null) {
            @Override
            public void gemm(boolean transA, boolean transB, int m, int n, int k, float[] a, int aOff, float[] b, int bOff,
                             float[] c, int cOff, boolean accumulate) {
                super.gemm(transA, transB, m, n, k, a, aOff, b, bOff, c, cOff, accumulate);
                c[cOff] += 1;
            }
        };
        TableTimer timer = new TableTimer(Map.of("native", 5.0, "vector", 0.1));
        GemmKernel kernel = auto(Precision.FP32, sources(NATIVE_OK, () -> GemmProviders.Loaded.ok(wrongVector), timer));
        assertEquals("fp32=native,fp16=native-fp32,bf16=native", kernel.name());
        assertEquals(List.of(), timer.asked, "the wrong kernel is not even timed, and one correct candidate needs no timing");
    }

    @Test
    void aChosenNameSelectsTheSameKernelsAgainAndRoutesEachPrecision() {
        GemmProviders.Sources loaded = sources(NATIVE_OK, VECTOR_OK, new TableTimer(Map.of()));
        String name = "fp32=vector,fp16=native-fp32,bf16=native";
        GemmKernel kernel = GemmProviders.select(name, name, null, SHAPES, loaded);
        assertEquals(name, kernel.name());
        PrecisionRoutingKernel routes = assertInstanceOf(PrecisionRoutingKernel.class, kernel);
        assertSame(VECTOR, routes.route(Precision.FP32));
        assertSame(NATIVE, routes.route(Precision.BF16));
        assertInstanceOf(WideningGemmKernel.class, routes.route(Precision.FP16));
        assertSame(NATIVE, GemmProviders.select("fp32=native,fp16=native,bf16=native", "fp32=native,fp16=native,bf16=native",
                null, SHAPES, loaded), "one kernel when every precision names it");
        // Calls really go where the name says.
        CountingKernel fp32 = new CountingKernel("vector");
        CountingKernel bf16 = new CountingKernel("native");
        GemmKernel counted = GemmProviders.select(name, name, null, SHAPES,
                sources(() -> GemmProviders.Loaded.ok(bf16), () -> GemmProviders.Loaded.ok(fp32), new TableTimer(Map.of())));
        counted.gemm(false, false, 1, 1, 1, new float[] {2}, 0, new float[] {3}, 0, new float[1], 0, false);
        counted.gemm(Precision.BF16, false, false, 1, 1, 1, new short[1], 0, new short[1], 0, new float[1], 0, false);
        counted.gemm(Precision.FP16, false, false, 1, 1, 1, new short[1], 0, new short[1], 0, new float[1], 0, false);
        assertEquals(1, fp32.calls);
        assertEquals(2, bf16.calls, "BF16 natively, FP16 widened to an FP32 multiply on the native kernel");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmProviders.select("fp32=native,bf16=native", "fp32=native,bf16=native", null, SHAPES, loaded));
        assertTrue(e.getMessage().startsWith("kernel:") && e.getMessage().contains("each of fp32, fp16 and bf16"), e.getMessage());
    }

    @Test
    void autoFallsBackOneGuardAtATime() {
        TableTimer none = new TableTimer(Map.of());
        assertEquals("fp32=vector,fp16=vector-fp32,bf16=vector-fp32", auto(Precision.FP32, sources(NATIVE_MISSING, VECTOR_OK, none)).name());
        assertEquals(List.of(), none.asked, "a single candidate needs no measuring");
        assertEquals("fp32=native,fp16=native-fp32,bf16=native", GemmProviders.select("auto", "auto", Precision.FP32, SHAPES,
                sources(NATIVE_OK, VECTOR_MISSING, none)).name());
        assertInstanceOf(JavaGemmKernel.class, auto(Precision.BF16, sources(NATIVE_MISSING, VECTOR_MISSING, none)));
    }

    @Test
    void aForcedKernelThatCannotLoadIsAnErrorNamingTheSettingAndTheReason() {
        TableTimer none = new TableTimer(Map.of());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GemmProviders.select("Native", "native", null, SHAPES, sources(NATIVE_MISSING, VECTOR_OK, none)));
        assertTrue(e.getMessage().startsWith("kernel:") && e.getMessage().contains("Native")
                && e.getMessage().contains("no libdnnl here"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GemmProviders.select("vector-fp32", "vector-fp32", null, SHAPES, sources(NATIVE_OK, VECTOR_MISSING, none)));
        assertTrue(e.getMessage().startsWith("kernel:") && e.getMessage().contains("no incubator module"), e.getMessage());
        assertSame(NATIVE, GemmProviders.select("native", "native", null, SHAPES, sources(NATIVE_OK, VECTOR_MISSING, none)));
        assertSame(VECTOR, GemmProviders.select("vector", "vector", null, SHAPES, sources(NATIVE_MISSING, VECTOR_OK, none)));
        assertEquals("native-fp32", GemmProviders.select("native-fp32", "native-fp32", null, SHAPES,
                sources(NATIVE_OK, VECTOR_OK, none)).name());
    }

    @Test
    void theRealSelectionIsMadeOncePerValueAndSharesTheKernel() {
        assertSame(GemmProviders.select("auto"), GemmProviders.select(" AUTO "));
        assertSame(GemmProviders.select(null), GemmProviders.select("auto"));
        GemmKernel chosen = GemmProviders.select("auto", Precision.BF16, SHAPES);
        assertEquals(chosen.name(), GemmProviders.select(chosen.name()).name(), "the chosen name selects the same kernels");
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
    void aRealProbeTimesEveryCandidate() {
        GemmProviders.Loaded nativeKernel = GemmProviders.loadNative();
        GemmProviders.Loaded vector = GemmProviders.loadVector();
        List<GemmKernel> candidates = GemmProviders.candidates(Precision.FP16, nativeKernel.kernel(), vector.kernel());
        double[] millis = KernelProbe.millis(candidates, Precision.FP16, SHAPES, 2);
        assertEquals(candidates.size(), millis.length);
        for (int i = 0; i < millis.length; i++) {
            assertTrue(millis[i] > 0 && millis[i] < 10_000, candidates.get(i).name() + ": " + millis[i] + " ms");
        }
    }

    @Test
    void selfTestCatchesAWrongKernelAndPassesTheReference() {
        assertNull(GemmProviders.selfTest(new JavaGemmKernel()));
        GemmKernel offByOne = new NamedKernel("wrong", null) {
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

    @Test
    void selfTestChecksTheProductsAKernelRoundsTo16Bits() {
        GemmKernel truncating = new NamedKernel("truncating", Precision.BF16) {
            @Override
            public boolean roundsProduct(Precision precision) {
                return precision == Precision.BF16;
            }

            @Override
            public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                             io.sparkamp.core.tensor.Matrix a, io.sparkamp.core.tensor.Matrix b, io.sparkamp.core.tensor.Matrix c,
                             boolean accumulate) {
                if (!c.storage().isLow()) {
                    super.gemm(precision, transA, transB, m, n, k, a, b, c, accumulate);
                    return;
                }
                for (int i = 0; i < c.size(); i++) {
                    c.set(i, 0f); // a store that loses the product
                }
            }
        };
        String mismatch = GemmProviders.selfTest(truncating);
        assertTrue(mismatch != null && mismatch.startsWith("BF16") && mismatch.contains("codes"), String.valueOf(mismatch));
    }

    @Test
    void selfTestChecksTheBiasAndReluAKernelAddsInItsMultiply() {
        GemmKernel reluOfNanIsNan = new NamedKernel("nan-keeping", null) {
            @Override
            public boolean fusesBias(Precision precision) {
                return precision == Precision.FP32;
            }

            @Override
            public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, io.sparkamp.core.tensor.Matrix a,
                                 io.sparkamp.core.tensor.Matrix b, io.sparkamp.core.tensor.Matrix bias, boolean relu,
                                 io.sparkamp.core.tensor.Matrix c) {
                gemm(Precision.FP32, transA, transB, m, n, k, a, b, c, false);
                for (int i = 0; i < c.size(); i++) {
                    float sum = c.get(i) + bias.get(i % n);
                    c.set(i, relu ? Math.max(sum, 0f) : sum); // Math.max keeps NaN: not the separate pass's ReLU
                }
            }
        };
        String mismatch = GemmProviders.selfTest(reluOfNanIsNan);
        assertTrue(mismatch != null && mismatch.contains("with bias and ReLU"), String.valueOf(mismatch));
    }

    private static final class CountingKernel extends NamedKernel {
        int calls;

        CountingKernel(String name) {
            super(name, Precision.BF16);
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

    /** A stand-in that delegates to the Java kernel under another name; {@code native16} is the 16-bit format it keeps. */
    private static class NamedKernel implements GemmKernel {
        private final String name;
        private final Precision native16;
        private final JavaGemmKernel delegate = new JavaGemmKernel();

        NamedKernel(String name, Precision native16) {
            this.name = name;
            this.native16 = native16;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Precision operandStorage(Precision precision) {
            return precision.isLow() && precision != native16 && native16 != null ? Precision.FP32 : precision;
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
