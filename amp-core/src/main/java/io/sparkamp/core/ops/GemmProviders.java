package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Chooses the GEMM kernel (Lucene's VectorizationProvider pattern): a chain of guard clauses, each
 * logging why it falls back, ending at the portable kernel that is always there.
 *
 * <ul>
 *   <li>{@code native}: oneDNN through JavaCPP, if its classes and native library load and a small
 *       multiply in every precision matches {@link JavaGemmKernel};</li>
 *   <li>{@code vector}: the Vector API kernel, if {@code jdk.incubator.vector} is in the boot layer
 *       ({@code --add-modules jdk.incubator.vector});</li>
 *   <li>{@code java}: always.</li>
 * </ul>
 *
 * {@code auto} takes, per precision, the faster of native and vector as measured on the project's CPU
 * (BENCHMARKS.md, "GEMM micro-benchmarks (JMH)"; see {@link #AUTO_NATIVE_PRECISIONS}: on this CPU native
 * for all three, so the vector kernel serves {@code auto} only where oneDNN does not load). A forced kernel
 * that cannot load is an error naming the setting {@code kernel}. The choice is made once per JVM and
 * setting value, and kernels are shared by threads (they keep per-thread scratch).
 */
public final class GemmProviders {
    /** Setting value that lets the selection pick the fastest kernel that loads. */
    public static final String AUTO = "auto";
    private static final Logger LOG = LoggerFactory.getLogger(GemmProviders.class);
    private static final String VECTOR_CLASS = "io.sparkamp.core.ops.VectorGemmKernel";
    private static final String NATIVE_CLASS = "io.sparkamp.core.ops.OneDnnGemmKernel";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";

    /**
     * Precisions for which {@code auto} prefers oneDNN over the Vector API kernel when both load. Measured
     * with GemmBenchmark on the project's 2-core AMD EPYC (Zen 5: AVX512-BF16, no AMX, no AVX512-FP16),
     * one oneDNN thread per task: oneDNN was faster on all nine MLP products in every precision, BF16
     * 317.3-374.0 GFLOP/s vs 21.5-62.8, FP32 149.0-175.2 vs 23.4-89.8, FP16 (widened to FP32 first)
     * 89.0-107.1 vs 35.9-48.5 on the 784-512-256 layers (BENCHMARKS.md, "GEMM micro-benchmarks (JMH)"). Kept per precision so a CPU
     * where the numbers split (or a new kernel) needs only this set changed.
     */
    static final Set<Precision> AUTO_NATIVE_PRECISIONS = EnumSet.allOf(Precision.class);

    private static final Map<String, GemmKernel> SELECTED = new ConcurrentHashMap<>();

    private GemmProviders() {
    }

    /** A kernel that loaded, or the one reason it did not. */
    record Loaded(GemmKernel kernel, String reason) {
        static Loaded ok(GemmKernel kernel) {
            return new Loaded(kernel, null);
        }

        static Loaded failed(String reason) {
            return new Loaded(null, reason);
        }
    }

    /**
     * The kernel named by {@code requested}: "auto" (or null), "native", "vector" or "java". Chosen once
     * per JVM for each value and then shared.
     */
    public static GemmKernel select(String requested) {
        String name = requested == null ? AUTO : requested.trim().toLowerCase(Locale.ROOT);
        return SELECTED.computeIfAbsent(name, n -> select(requested, n, GemmProviders::loadNative, GemmProviders::loadVector));
    }

    /** The selection chain with the loaders passed in, so tests can make a kernel fail to load. */
    static GemmKernel select(String requested, String name, Supplier<Loaded> nativeLoader, Supplier<Loaded> vectorLoader) {
        switch (name) {
            case "java":
                return chosen(new JavaGemmKernel(), name);
            case "vector":
                return chosen(forced(requested, vectorLoader.get()), name);
            case "native":
                return chosen(forced(requested, nativeLoader.get()), name);
            case AUTO:
                return chosen(auto(nativeLoader, vectorLoader), name);
            default:
                throw new IllegalArgumentException("kernel: unknown GEMM kernel '" + requested
                        + "' (expected auto, native, vector or java)");
        }
    }

    private static GemmKernel auto(Supplier<Loaded> nativeLoader, Supplier<Loaded> vectorLoader) {
        Loaded nativeKernel = nativeLoader.get();
        Loaded vectorKernel = vectorLoader.get();
        if (nativeKernel.kernel() == null) {
            LOG.info("GEMM kernel native not used: {}", nativeKernel.reason());
        } else {
            LOG.info("GEMM kernel native: oneDNN {}, OMP_NUM_THREADS={}", nativeVersion(nativeKernel.kernel()),
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset (all cores)"));
        }
        if (vectorKernel.kernel() == null) {
            LOG.info("GEMM kernel vector not used: {}", vectorKernel.reason());
        }
        if (nativeKernel.kernel() == null && vectorKernel.kernel() == null) {
            return new JavaGemmKernel();
        }
        if (nativeKernel.kernel() == null) {
            return vectorKernel.kernel();
        }
        if (vectorKernel.kernel() == null) {
            return nativeKernel.kernel();
        }
        return route(AUTO_NATIVE_PRECISIONS, nativeKernel.kernel(), vectorKernel.kernel());
    }

    /** The native kernel for {@code nativePrecisions}, the vector kernel for the rest; one kernel if that is all. */
    static GemmKernel route(Set<Precision> nativePrecisions, GemmKernel nativeKernel, GemmKernel vectorKernel) {
        if (nativePrecisions.size() == Precision.values().length) {
            return nativeKernel;
        }
        if (nativePrecisions.isEmpty()) {
            return vectorKernel;
        }
        GemmKernel[] route = new GemmKernel[Precision.values().length];
        for (Precision p : Precision.values()) {
            route[p.ordinal()] = nativePrecisions.contains(p) ? nativeKernel : vectorKernel;
        }
        return new PrecisionRoutingKernel(route[Precision.FP32.ordinal()], route[Precision.FP16.ordinal()],
                route[Precision.BF16.ordinal()]);
    }

    private static GemmKernel forced(String requested, Loaded loaded) {
        if (loaded.kernel() == null) {
            throw new IllegalArgumentException("kernel: GEMM kernel '" + requested.trim() + "' cannot be used here: "
                    + loaded.reason() + " (use kernel=auto to fall back)");
        }
        return loaded.kernel();
    }

    private static GemmKernel chosen(GemmKernel kernel, String requested) {
        LOG.info("GEMM kernel: {} (requested {})", kernel.name(), requested);
        return kernel;
    }

    private static String nativeVersion(GemmKernel kernel) {
        try {
            return String.valueOf(kernel.getClass().getDeclaredMethod("version").invoke(null));
        } catch (ReflectiveOperationException e) {
            return "?";
        }
    }

    /** The Vector API kernel, if the incubator module is in the boot layer. */
    static Loaded loadVector() {
        if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()) {
            return Loaded.failed("module " + VECTOR_MODULE + " is not in the boot layer (start java with --add-modules "
                    + VECTOR_MODULE + ")");
        }
        try {
            GemmKernel kernel = (GemmKernel) Class.forName(VECTOR_CLASS).getDeclaredConstructor().newInstance();
            return Loaded.ok(kernel);
        } catch (ReflectiveOperationException | LinkageError e) {
            return Loaded.failed("cannot load " + VECTOR_CLASS + ": " + e);
        }
    }

    /** oneDNN, if its classes and library load and a small multiply in every precision matches the Java kernel. */
    static Loaded loadNative() {
        GemmKernel kernel;
        try {
            kernel = (GemmKernel) Class.forName(NATIVE_CLASS).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // NoClassDefFoundError (preset jars missing), UnsatisfiedLinkError (no library for this platform),
            // ExceptionInInitializerError (engine creation failed).
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            return Loaded.failed("oneDNN does not load: " + cause);
        }
        String mismatch;
        try {
            mismatch = selfTest(kernel);
        } catch (RuntimeException | LinkageError e) {
            return Loaded.failed("oneDNN self-test failed: " + e);
        }
        if (mismatch != null) {
            return Loaded.failed("oneDNN self-test disagrees with the Java kernel: " + mismatch);
        }
        return Loaded.ok(kernel);
    }

    /**
     * Multiplies small integers (exact in FP16, BF16 and FP32, as are all partial sums) with both kernels
     * in every precision, with transposes and accumulation; any difference is returned, else null.
     */
    static String selfTest(GemmKernel candidate) {
        int m = 5;
        int n = 6;
        int k = 7;
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] c0 = new float[m * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (i * 7 % 5) - 2;
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = (i * 3 % 7) - 3;
        }
        for (int i = 0; i < c0.length; i++) {
            c0[i] = i % 4;
        }
        GemmKernel reference = new JavaGemmKernel();
        for (Precision precision : Precision.values()) {
            for (int t = 0; t < 4; t++) {
                boolean transA = (t & 1) != 0;
                boolean transB = (t & 2) != 0;
                boolean accumulate = t >= 2;
                float[] expected = c0.clone();
                float[] actual = c0.clone();
                if (precision.isLow()) {
                    short[] a16 = LowPrecisionArrays.encode(precision, a);
                    short[] b16 = LowPrecisionArrays.encode(precision, b);
                    reference.gemm(precision, transA, transB, m, n, k, a16, 0, b16, 0, expected, 0, accumulate);
                    candidate.gemm(precision, transA, transB, m, n, k, a16, 0, b16, 0, actual, 0, accumulate);
                } else {
                    reference.gemm(transA, transB, m, n, k, a, 0, b, 0, expected, 0, accumulate);
                    candidate.gemm(transA, transB, m, n, k, a, 0, b, 0, actual, 0, accumulate);
                }
                if (!Arrays.equals(expected, actual)) {
                    return precision + (transA ? " T" : " N") + (transB ? "T" : "N") + (accumulate ? " accumulate" : "")
                            + ": expected " + Arrays.toString(expected) + ", got " + Arrays.toString(actual);
                }
            }
        }
        return null;
    }
}
