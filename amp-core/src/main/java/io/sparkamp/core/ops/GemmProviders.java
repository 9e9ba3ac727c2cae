package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Chooses the GEMM kernel (Lucene's VectorizationProvider pattern): a chain of guard clauses, each
 * logging why it falls back, ending at the portable kernel that is always there.
 *
 * <ul>
 *   <li>{@code native}: oneDNN through JavaCPP, if its classes and native library load and a small
 *       multiply in every precision matches {@link JavaGemmKernel}; 16-bit inputs multiplied as 16 bits
 *       where oneDNN can on this CPU, else held as rounded FP32 values and multiplied in FP32;</li>
 *   <li>{@code native-fp32}: oneDNN computing 16-bit inputs in FP32 (16-bit storage, FP32 compute);</li>
 *   <li>{@code vector}, {@code vector-fp32}: the Vector API kernel, if {@code jdk.incubator.vector} is in
 *       the boot layer ({@code --add-modules jdk.incubator.vector});</li>
 *   <li>{@code java}: always.</li>
 * </ul>
 *
 * {@code auto} measures, per precision, the candidates that load on the model's own multiplies
 * ({@link KernelProbe}) and takes the fastest; the choice is remembered per CPU ({@link KernelChoices}),
 * so a machine is probed once, and logged with the times it was chosen on. A choice names a kernel per
 * precision ({@code fp32=native,fp16=native-fp32,bf16=native}, or one name when all agree), and that
 * name selects the same kernels again, so executors compute with the driver's choice. A forced kernel
 * that cannot load is an error naming the setting {@code kernel}. Kernels are chosen once per JVM and
 * request, and shared by threads (they keep per-thread scratch).
 */
public final class GemmProviders {
    /** Setting value that lets the selection pick the fastest kernel that loads. */
    public static final String AUTO = "auto";
    private static final Logger LOG = LoggerFactory.getLogger(GemmProviders.class);
    private static final String VECTOR_CLASS = "io.sparkamp.core.ops.VectorGemmKernel";
    private static final String NATIVE_CLASS = "io.sparkamp.core.ops.OneDnnGemmKernel";
    private static final String VECTOR_MODULE = "jdk.incubator.vector";
    private static final List<String> NAMES = List.of("native", "native-fp32", "vector", "vector-fp32", "java");
    /**
     * What {@code auto} measures when it is not told the model: the three products of a 512-wide layer
     * on 512 rows, as a Linear layer issues them.
     */
    static final List<GemmShape> DEFAULT_SHAPES = List.of(new GemmShape(512, 512, 512, false, false, false),
            new GemmShape(512, 512, 512, true, false, true), new GemmShape(512, 512, 512, false, true, false));

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

    /** The two optional kernels and how a choice is measured and remembered (tests replace them). */
    record Sources(Supplier<Loaded> nativeLoader, Supplier<Loaded> vectorLoader, KernelTimer timer, KernelChoices choices) {
    }

    /** Times candidates on the shapes: milliseconds per pass over all of them, for each kernel in order. */
    interface KernelTimer {
        double[] millis(List<GemmKernel> kernels, Precision precision, List<GemmShape> shapes);
    }

    /**
     * The kernel named by {@code requested} ("auto" or null, a kernel name, or a per-precision choice);
     * {@code auto} measures every precision on a generic layer. Chosen once per JVM and request.
     */
    public static GemmKernel select(String requested) {
        return select(requested, null, DEFAULT_SHAPES);
    }

    /**
     * The kernel named by {@code requested}; {@code auto} measures {@code precision} on {@code shapes}, the
     * multiplies of the model it will run (other precisions get the kernel {@code native} stands for, or
     * the best that loads). Chosen once per JVM and request.
     */
    public static GemmKernel select(String requested, Precision precision, List<GemmShape> shapes) {
        String name = requested == null ? AUTO : requested.trim().toLowerCase(Locale.ROOT);
        String key = name.equals(AUTO) ? name + "/" + precision + "/" + shapes : name;
        return SELECTED.computeIfAbsent(key, k -> select(requested, name, precision, shapes, standardSources()));
    }

    private static Sources standardSources() {
        return new Sources(GemmProviders::loadNative, GemmProviders::loadVector,
                (kernels, p, shapes) -> KernelProbe.millis(kernels, p, shapes, KernelProbe.ROUNDS), KernelChoices.standard());
    }

    /** The selection with its sources passed in, so tests can make kernels fail to load or time them. */
    static GemmKernel select(String requested, String name, Precision precision, List<GemmShape> shapes, Sources sources) {
        Lazy loaded = new Lazy(sources);
        GemmKernel kernel;
        if (name.equals(AUTO)) {
            kernel = auto(loaded, precision, shapes, sources);
        } else if (name.contains("=")) {
            kernel = routeOf(requested, name, loaded);
        } else if (NAMES.contains(name)) {
            kernel = named(requested, name, loaded);
        } else {
            throw new IllegalArgumentException("kernel: unknown GEMM kernel '" + requested
                    + "' (expected auto, native, native-fp32, vector, vector-fp32, java or fp32=NAME,fp16=NAME,bf16=NAME)");
        }
        Precision run = precision == null ? Precision.FP32 : precision;
        LOG.info("GEMM kernel: {} (requested {}); {} Linear layers add bias and ReLU {}", kernel.name(), name, run.label(),
                kernel.fusesBias(run) ? "in the multiply" : "in a pass after it");
        return kernel;
    }

    /** The kernel a single name stands for; a forced one that cannot load is an error naming the setting. */
    private static GemmKernel named(String requested, String name, Lazy loaded) {
        switch (name) {
            case "java":
                return new JavaGemmKernel();
            case "vector":
                return forced(requested, loaded.vector());
            case "vector-fp32":
                return new WideningGemmKernel(forced(requested, loaded.vector()));
            case "native":
                return forced(requested, loaded.nativeKernel());
            case "native-fp32":
                return new WideningGemmKernel(forced(requested, loaded.nativeKernel()));
            default:
                throw new IllegalArgumentException("kernel: unknown GEMM kernel '" + name + "' in '" + requested + "'");
        }
    }

    /** "fp32=native,fp16=native-fp32,bf16=native": one named kernel per precision, all three given. */
    private static GemmKernel routeOf(String requested, String name, Lazy loaded) {
        Map<Precision, GemmKernel> routes = new EnumMap<>(Precision.class);
        for (String part : name.split(",")) {
            String[] pair = part.trim().split("=", 2);
            Precision p = Precision.parse(pair[0].trim(), "kernel");
            if (pair.length != 2 || routes.put(p, named(requested, pair[1].trim(), loaded)) != null) {
                throw new IllegalArgumentException("kernel: '" + requested + "' must name one kernel for each of fp32, fp16 and bf16");
            }
        }
        if (routes.size() != Precision.values().length) {
            throw new IllegalArgumentException("kernel: '" + requested + "' must name one kernel for each of fp32, fp16 and bf16");
        }
        return route(routes);
    }

    /** One kernel when every precision has the same, else a routing kernel. */
    static GemmKernel route(Map<Precision, GemmKernel> routes) {
        GemmKernel fp32 = routes.get(Precision.FP32);
        if (routes.values().stream().allMatch(k -> k.name().equals(fp32.name()))) {
            return fp32;
        }
        return new PrecisionRoutingKernel(fp32, routes.get(Precision.FP16), routes.get(Precision.BF16));
    }

    private static GemmKernel auto(Lazy loaded, Precision measured, List<GemmShape> shapes, Sources sources) {
        Loaded nativeKernel = loaded.nativeKernel();
        Loaded vectorKernel = loaded.vector();
        if (nativeKernel.kernel() == null) {
            LOG.info("GEMM kernel native not used: {}", nativeKernel.reason());
        } else {
            LOG.info("GEMM kernel native: oneDNN {}, OMP_NUM_THREADS={}", nativeVersion(nativeKernel.kernel()),
                    System.getenv().getOrDefault("OMP_NUM_THREADS", "unset (all cores)"));
        }
        if (vectorKernel.kernel() == null) {
            LOG.info("GEMM kernel vector not used: {}", vectorKernel.reason());
        }
        Map<Precision, GemmKernel> routes = new EnumMap<>(Precision.class);
        for (Precision p : Precision.values()) {
            List<GemmKernel> candidates = candidates(p, nativeKernel.kernel(), vectorKernel.kernel());
            boolean measure = (measured == null || measured == p) && candidates.size() > 1;
            routes.put(p, measure ? fastest(p, candidates, shapes, sources, nativeKernel.kernel()) : candidates.get(0));
        }
        return route(routes);
    }

    /**
     * What {@code auto} considers for {@code precision}, in order of preference when not measured: oneDNN
     * (16-bit inputs as 16 bits only where it multiplies them natively here), oneDNN in FP32, the Vector
     * API kernel on FP32 operands; the Java kernel when neither loads.
     */
    static List<GemmKernel> candidates(Precision precision, GemmKernel nativeKernel, GemmKernel vectorKernel) {
        List<GemmKernel> candidates = new ArrayList<>();
        if (nativeKernel != null) {
            if (!precision.isLow() || nativeKernel.operandStorage(precision) == precision) {
                candidates.add(nativeKernel);
            }
            if (precision.isLow()) {
                candidates.add(new WideningGemmKernel(nativeKernel));
            }
        }
        if (vectorKernel != null) {
            candidates.add(precision.isLow() ? new WideningGemmKernel(vectorKernel) : vectorKernel);
        }
        if (candidates.isEmpty()) {
            candidates.add(new JavaGemmKernel());
        }
        return candidates;
    }

    /** The candidate that ran {@code shapes} fastest here, remembered per CPU; logged with the times. */
    private static GemmKernel fastest(Precision p, List<GemmKernel> candidates, List<GemmShape> shapes, Sources sources,
                                      GemmKernel nativeKernel) {
        List<String> names = candidates.stream().map(GemmKernel::name).toList();
        String description = "cpu=" + KernelChoices.cpu() + "; " + KernelChoices.limits() + "; cores=" + Runtime.getRuntime().availableProcessors()
                + "; omp=" + System.getenv().getOrDefault("OMP_NUM_THREADS", "unset") + "; java=" + Runtime.version().feature()
                + "; onednn=" + (nativeKernel == null ? "none" : nativeVersion(nativeKernel)) + "; precision=" + p.label()
                + "; shapes=" + shapes + "; candidates=" + names;
        String remembered = sources.choices().get(description);
        if (remembered != null && names.contains(remembered)) {
            LOG.info("GEMM kernel for {}: {} (measured before on this CPU, remembered in {})", p.label(), remembered,
                    sources.choices().file());
            return candidates.get(names.indexOf(remembered));
        }
        StringBuilder times = new StringBuilder();
        List<GemmKernel> correct = new ArrayList<>();
        for (GemmKernel candidate : candidates) {
            String mismatch = selfTest(candidate);
            if (mismatch == null) {
                correct.add(candidate);
            } else {
                times.append(times.length() == 0 ? "" : ", ").append(candidate.name()).append(" wrong (").append(mismatch).append(')');
            }
        }
        GemmKernel best = correct.isEmpty() ? new JavaGemmKernel() : correct.get(0);
        if (correct.size() > 1) {
            double[] millis = sources.timer().millis(correct, p, shapes);
            for (int i = 0; i < correct.size(); i++) {
                times.append(times.length() == 0 ? "" : ", ").append(correct.get(i).name())
                        .append(String.format(Locale.ROOT, " %.2f ms", millis[i]));
                if (millis[i] < millis[correct.indexOf(best)]) {
                    best = correct.get(i);
                }
            }
        }
        String detail = "fastest pass over " + shapes.size() + " multiplies: " + times + " -> " + best.name()
                + " (measured " + java.time.Instant.now() + ")";
        LOG.info("GEMM kernel for {}: {} on this CPU ({}; flags {}; {}), {}", p.label(), best.name(), KernelChoices.cpu(),
                KernelChoices.notableFlags(), KernelChoices.limits(), detail);
        sources.choices().put(description, best.name(), detail);
        return best;
    }

    private static GemmKernel forced(String requested, Loaded loaded) {
        if (loaded.kernel() == null) {
            throw new IllegalArgumentException("kernel: GEMM kernel '" + requested.trim() + "' cannot be used here: "
                    + loaded.reason() + " (use kernel=auto to fall back)");
        }
        return loaded.kernel();
    }

    private static String nativeVersion(GemmKernel kernel) {
        try {
            java.lang.reflect.Method version = kernel.getClass().getDeclaredMethod("version");
            version.setAccessible(true);
            return String.valueOf(version.invoke(null));
        } catch (ReflectiveOperationException e) {
            return "?";
        }
    }

    /** Each optional kernel loaded at most once per selection. */
    private static final class Lazy {
        private final Sources sources;
        private Loaded nativeKernel;
        private Loaded vector;

        Lazy(Sources sources) {
            this.sources = sources;
        }

        Loaded nativeKernel() {
            if (nativeKernel == null) {
                nativeKernel = sources.nativeLoader().get();
            }
            return nativeKernel;
        }

        Loaded vector() {
            if (vector == null) {
                vector = sources.vectorLoader().get();
            }
            return vector;
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
                if (precision.isLow() && !accumulate && candidate.roundsProduct(precision)) {
                    String rounded = roundedProduct(candidate, reference, precision, transA, transB, m, n, k, a, b);
                    if (rounded != null) {
                        return rounded;
                    }
                }
                if (!accumulate && candidate.fusesBias(precision)) {
                    String biased = biasedProduct(candidate, reference, precision, transA, transB, m, n, k, a, b);
                    if (biased != null) {
                        return biased;
                    }
                }
            }
        }
        return null;
    }

    /**
     * A product with a bias (and a ReLU) added in the candidate's multiply, against the reference's FP32 product
     * plus the bias, rounded once where the candidate holds the result as 16-bit codes.
     */
    private static String biasedProduct(GemmKernel candidate, GemmKernel reference, Precision precision, boolean transA,
                                        boolean transB, int m, int n, int k, float[] a, float[] b) {
        Precision held = candidate.operandStorage(precision);
        Matrix am = operand(held, a, transA ? k : m, transA ? m : k);
        Matrix bm = operand(held, b, transB ? n : k, transB ? k : n);
        float[] bias = {-20.5f, 3.25f, Float.NaN, -0f, 0.001f, Float.NEGATIVE_INFINITY};
        Matrix biasm = operand(held, bias, 1, n);
        Matrix product = Matrix.onHeap(Precision.FP32, m, n);
        reference.gemm(precision, transA, transB, m, n, k, am, bm, product, false);
        for (boolean relu : new boolean[] {false, true}) {
            Matrix fused = Matrix.onHeap(held, m, n);
            candidate.gemmBias(precision, transA, transB, m, n, k, am, bm, biasm, relu, fused);
            for (int i = 0; i < m * n; i++) {
                float sum = product.get(i) + biasm.get(i % n);
                float expected = held.round(relu ? (sum > 0f ? sum : 0f) : sum); // rounded where held as codes
                if (Float.isNaN(expected) ? !Float.isNaN(fused.get(i)) : Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(fused.get(i))) {
                    return precision + (transA ? " T" : " N") + (transB ? "T" : "N") + " with bias" + (relu ? " and ReLU" : "")
                            + ": element " + i + " expected " + expected + ", got " + fused.get(i);
                }
            }
        }
        return null;
    }

    /** {@code values} (small integers, exact in every precision) as a rows x cols matrix held as {@code precision}. */
    private static Matrix operand(Precision precision, float[] values, int rows, int cols) {
        if (precision.isLow()) {
            return Matrix.ofCodes(precision, LowPrecisionArrays.encode(precision, values), rows, cols);
        }
        Matrix m = Matrix.onHeap(Precision.FP32, rows, cols);
        m.writeFloats(values, 0);
        return m;
    }

    /** A product the candidate hands back as 16-bit codes against the reference's FP32 product rounded. */
    private static String roundedProduct(GemmKernel candidate, GemmKernel reference, Precision precision, boolean transA,
                                         boolean transB, int m, int n, int k, float[] a, float[] b) {
        Matrix a16 = operand(precision, a, transA ? k : m, transA ? m : k);
        Matrix b16 = operand(precision, b, transB ? n : k, transB ? k : n);
        Matrix wide = Matrix.onHeap(Precision.FP32, m, n);
        Matrix codes = Matrix.onHeap(precision, m, n);
        reference.gemm(precision, transA, transB, m, n, k, a16, b16, wide, false);
        candidate.gemm(precision, transA, transB, m, n, k, a16, b16, codes, false);
        for (int i = 0; i < m * n; i++) {
            if (Float.floatToRawIntBits(precision.round(wide.get(i))) != Float.floatToRawIntBits(codes.get(i))) {
                return precision + (transA ? " T" : " N") + (transB ? "T" : "N") + " as " + precision + " codes: element " + i
                        + " expected " + precision.round(wide.get(i)) + ", got " + codes.get(i);
            }
        }
        return null;
    }
}
