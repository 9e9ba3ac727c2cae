package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.LowPrecisionBuffers;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;
import org.bytedeco.dnnl.dnnl_engine;
import org.bytedeco.dnnl.dnnl_exec_arg_t;
import org.bytedeco.dnnl.dnnl_memory;
import org.bytedeco.dnnl.dnnl_memory_desc;
import org.bytedeco.dnnl.dnnl_post_ops;
import org.bytedeco.dnnl.dnnl_primitive;
import org.bytedeco.dnnl.dnnl_primitive_attr;
import org.bytedeco.dnnl.dnnl_primitive_desc;
import org.bytedeco.dnnl.dnnl_stream;
import org.bytedeco.dnnl.dnnl_version_t;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacpp.ShortPointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.bytedeco.dnnl.global.dnnl.*;

/**
 * GEMM through oneDNN's matmul primitive (JavaCPP preset {@code org.bytedeco:dnnl}, C API). Loaded by
 * name from {@link GemmProviders}, which checks that the native library loads and that a small multiply
 * agrees with {@link JavaGemmKernel} before using it.
 *
 * <ul>
 *   <li>Transposes are memory-descriptor strides on the caller's layout: no transposed copies.</li>
 *   <li>One primitive per (precision, transposes, m, n, k, accumulate), created on first use (1–7 ms) and
 *       kept for the life of the process in a shared cache; {@code accumulate} is a sum post-op
 *       (c = a·b + 1.0·c), computed in FP32 in the destination.</li>
 *   <li>Off-heap {@link Matrix} operands are read and written in place: their addresses become the
 *       memory objects' data handles, nothing is copied. Java arrays (and heap matrices) cannot be handed to
 *       native code across two JNI calls (the GC moves them), so those are copied into grow-only native
 *       buffers of the calling thread and the result back: O(m·k + k·n + m·n) against O(m·n·k) work.</li>
 *   <li>The scratchpad is user-managed and per thread, which makes the shared primitives safe to run
 *       from several threads at once (oneDNN's rule for {@code dnnl_scratchpad_mode_user}).</li>
 *   <li>Threads: oneDNN's OpenMP runtime reads {@code OMP_NUM_THREADS} once at process start. With one
 *       Spark task per core set it to the cores per task, or two tasks oversubscribe the machine.</li>
 *   <li>Numerics: FP32 accumulation everywhere; the order is oneDNN's (fixed for a given shape, ISA and
 *       thread count, so runs repeat to the bit on one machine). BF16 kernels on AVX512-BF16 use
 *       {@code vdpbf16ps}, which treats BF16 subnormal inputs as zero.</li>
 *   <li>JavaCPP unpacks libdnnl (≈93 MB) into {@code org.bytedeco.javacpp.cachedir}, by default
 *       {@code ~/.javacpp/cache}; Spark executors need that directory writable.</li>
 * </ul>
 */
final class OneDnnGemmKernel implements GemmKernel {
    private static final Logger LOG = LoggerFactory.getLogger(OneDnnGemmKernel.class);

    private static final dnnl_engine ENGINE = new dnnl_engine();
    private static final Map<Key, Matmul> PRIMITIVES = new ConcurrentHashMap<>();
    private static final Map<Precision, Boolean> NATIVE_PRECISIONS = new ConcurrentHashMap<>();
    private static final Map<Precision, Boolean> ROUNDED_PRODUCTS = new ConcurrentHashMap<>();
    /** Per precision, whether its matmul takes a bias and a ReLU post-op here (asked once, on first use). */
    private static final Map<Precision, Boolean> FUSED_BIAS = new ConcurrentHashMap<>();

    static {
        check(dnnl_engine_create(ENGINE, dnnl_cpu, 0), "dnnl_engine_create");
    }

    private final ThreadLocal<ThreadState> state = ThreadLocal.withInitial(ThreadState::new);

    @Override
    public String name() {
        return "native";
    }

    /**
     * Whether oneDNN multiplies {@code precision} inputs itself on this CPU. Without AVX512-FP16 (or
     * AVX10/AVX2-VNNI-2) oneDNN 3.13 has no f16:f16:f32 matmul (dnnl_unimplemented); such inputs are then
     * widened to FP32 in Java and run through the FP32 primitive.
     */
    static boolean natively(Precision precision) {
        return NATIVE_PRECISIONS.computeIfAbsent(precision, p -> {
            try {
                matmul(new Key(p, false, false, 8, 8, 8, false));
                return true;
            } catch (Unimplemented e) {
                LOG.info("oneDNN has no {} matmul on this CPU; {} inputs are widened to FP32 first", p, p);
                return false;
            }
        });
    }

    /**
     * A 16-bit product as 16-bit codes where oneDNN multiplies that precision itself: the conversion runs
     * in the kernel's store (round to nearest even; with {@code vcvtneps2bf16} a BF16 result below the
     * smallest normal becomes zero, as the BF16 dot product already treats such inputs).
     */
    @Override
    public boolean roundsProduct(Precision precision) {
        return precision.isLow() && natively(precision) && ROUNDED_PRODUCTS.computeIfAbsent(precision, p -> {
            try {
                matmul(new Key(p, false, false, 8, 8, 8, false, p));
                return true;
            } catch (Unimplemented e) {
                LOG.info("oneDNN has no {} matmul with a {} result on this CPU; the product is kept in FP32", p, p);
                return false;
            }
        });
    }

    /**
     * The bias as the matmul's bias argument and the ReLU as an eltwise post-op, both applied to the FP32
     * accumulator before the store (and its one conversion to 16 bits): {@code max(acc + bias, 0)}, as a
     * separate pass would compute it on the FP32 product (oneDNN's ReLU with slope 0 is a {@code max} with +0,
     * so NaN and -0 give +0). For FP16/BF16 where oneDNN multiplies that precision and stores its codes, and
     * where it does not multiply it at all (the operands are then FP32 values and so is the sum).
     */
    @Override
    public boolean fusesBias(Precision precision) {
        if (precision.isLow() && !natively(precision)) { // held as FP32 and multiplied by the FP32 primitive
            return fusesBias(Precision.FP32);
        }
        if (precision.isLow() && !roundsProduct(precision)) {
            return false;
        }
        return FUSED_BIAS.computeIfAbsent(precision, p -> {
            try {
                matmul(new Key(p, false, false, 8, 8, 8, false, p, true, true));
                matmul(new Key(p, false, false, 8, 8, 8, false, p, true, false));
                return true;
            } catch (Unimplemented e) {
                LOG.info("oneDNN has no {} matmul with a bias and a ReLU on this CPU; they are added in a pass of their own", p);
                return false;
            }
        });
    }

    @Override
    public void gemmBias(Precision precision, boolean transA, boolean transB, int m, int n, int k, Matrix a, Matrix b,
                         Matrix bias, boolean relu, Matrix c) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) { // an empty product is 0: the bias, and the ReLU of it
            for (int j = 0; j < n; j++) {
                float v = bias.get(j);
                v = relu ? (v > 0f ? v : 0f) : v;
                for (int i = 0; i < m; i++) {
                    c.set(i * n + j, v);
                }
            }
            return;
        }
        ThreadState s = state.get();
        Pointer pb = bias.isOffHeap() ? s.biasAddress.at(bias) : s.copyBias(bias);
        Precision held = a.storage(); // FP32 for a 16-bit precision oneDNN does not multiply here
        multiply(s, new Key(held, transA, transB, m, n, k, false, held, true, relu), a, b, pb, c);
    }

    /** oneDNN's version, e.g. "3.13.0", for the selection log. */
    static String version() {
        dnnl_version_t v = dnnl_version();
        return v.major() + "." + v.minor() + "." + v.patch();
    }

    /** The oneDNN implementation a problem of this kind runs on, e.g. "brg_matmul:avx512_core_bf16". */
    static String implementation(Precision precision, boolean transA, boolean transB, int m, int n, int k) {
        if (!natively(precision)) {
            return "widened to FP32, " + implementation(Precision.FP32, transA, transB, m, n, k);
        }
        return matmul(new Key(precision, transA, transB, m, n, k, false)).implementation;
    }

    /** The implementation of a {@code precision} multiply with a bias and a ReLU added in the kernel. */
    static String implementationWithBias(Precision precision, int m, int n, int k) {
        if (!natively(precision)) {
            return "widened to FP32, " + implementationWithBias(Precision.FP32, m, n, k);
        }
        return matmul(new Key(precision, false, false, m, n, k, false, precision, true, true)).implementation;
    }

    @Override
    public void gemm(boolean transA, boolean transB, int m, int n, int k,
                     float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        if (degenerate(m, n, k, c, cOff, accumulate)) {
            return;
        }
        ThreadState s = state.get();
        s.a32 = ensure(s.a32, (long) m * k);
        s.b32 = ensure(s.b32, (long) k * n);
        s.a32.position(0).put(a, aOff, m * k);
        s.b32.position(0).put(b, bOff, k * n);
        run(s, new Key(Precision.FP32, transA, transB, m, n, k, accumulate), s.a32, s.b32, c, cOff);
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     short[] a, int aOff, short[] b, int bOff, float[] c, int cOff, boolean accumulate) {
        if (degenerate(m, n, k, c, cOff, accumulate)) {
            return;
        }
        ThreadState s = state.get();
        if (!natively(precision)) {
            // Exact widening keeps the products exact, so FP32 matmul on the widened values is the same
            // computation as a 16-bit matmul with FP32 accumulation. Widened in Java: oneDNN's own f16→f32
            // reorder runs as "simple:any" here, measured at 3.8-5.4 ms per 131,072 values.
            float[] aWide = s.wideA(m * k);
            float[] bWide = s.wideB(k * n);
            LowPrecisionArrays.decode(precision, a, aOff, aWide, 0, m * k);
            LowPrecisionArrays.decode(precision, b, bOff, bWide, 0, k * n);
            gemm(transA, transB, m, n, k, aWide, 0, bWide, 0, c, cOff, accumulate);
            return;
        }
        s.a16 = ensure(s.a16, (long) m * k);
        s.b16 = ensure(s.b16, (long) k * n);
        s.a16.position(0).put(a, aOff, m * k);
        s.b16.position(0).put(b, bOff, k * n);
        run(s, new Key(precision, transA, transB, m, n, k, accumulate), s.a16, s.b16, c, cOff);
    }

    /** 16-bit operands where oneDNN multiplies them on this CPU; FP32 (rounded values) where it would widen them. */
    @Override
    public Precision operandStorage(Precision precision) {
        return precision.isLow() && !natively(precision) ? Precision.FP32 : precision;
    }

    @Override
    public void gemm(Precision precision, boolean transA, boolean transB, int m, int n, int k,
                     Matrix a, Matrix b, Matrix c, boolean accumulate) {
        if (m == 0 || n == 0) {
            return;
        }
        if (k == 0) {
            if (!accumulate) {
                c.buffer().asFloatBuffer().put(0, new float[m * n]);
            }
            return;
        }
        ThreadState s = state.get();
        Precision operands = a.storage();
        if (operands.isLow() && !natively(operands)) {
            // 16-bit operands oneDNN cannot multiply here: widen into the thread's native FP32 buffers.
            s.a32 = ensure(s.a32, (long) m * k);
            s.b32 = ensure(s.b32, (long) k * n);
            LowPrecisionBuffers.decode(operands, a.buffer(), 0, s.a32.position(0).asByteBuffer().order(ByteOrder.nativeOrder()), 0, m * k);
            LowPrecisionBuffers.decode(operands, b.buffer(), 0, s.b32.position(0).asByteBuffer().order(ByteOrder.nativeOrder()), 0, k * n);
            Key key = new Key(Precision.FP32, transA, transB, m, n, k, accumulate, c.storage());
            run(s, key, s.a32.position(0), s.b32.position(0), null, c);
            return;
        }
        multiply(s, new Key(operands, transA, transB, m, n, k, accumulate, c.storage()), a, b, null, c);
    }

    /** {@code key}'s primitive on matrix operands: off-heap ones in place, heap ones through the thread's buffers. */
    private static void multiply(ThreadState s, Key key, Matrix a, Matrix b, Pointer bias, Matrix c) {
        Pointer pa = a.isOffHeap() ? s.aAddress.at(a) : s.copyA(a);
        Pointer pb = b.isOffHeap() ? s.bAddress.at(b) : s.copyB(b);
        run(s, key, pa, pb, bias, c);
    }

    /** Runs {@code key} into {@code c}: in place when it is off-heap, else through the thread's buffer (read first when accumulating). */
    private static void run(ThreadState s, Key key, Pointer pa, Pointer pb, Pointer bias, Matrix c) {
        if (c.isOffHeap()) {
            execute(s, key, pa, pb, bias, s.cAddress.at(c));
            return;
        }
        int bytes = (int) c.bytes();
        s.c = ensure(s.c, (bytes + 3) / 4);
        FloatPointer out = s.c.position(0);
        if (key.accumulate) {
            out.asByteBuffer().order(ByteOrder.nativeOrder()).put(0, c.buffer(), 0, bytes);
        }
        execute(s, key, pa, pb, bias, out);
        c.buffer().put(0, out.position(0).asByteBuffer().order(ByteOrder.nativeOrder()), 0, bytes);
    }

    /** Empty products: oneDNN is not asked about zero-sized dimensions. An empty sum is 0. */
    private static boolean degenerate(int m, int n, int k, float[] c, int cOff, boolean accumulate) {
        if (m == 0 || n == 0) {
            return true;
        }
        if (k == 0) {
            if (!accumulate) {
                java.util.Arrays.fill(c, cOff, cOff + m * n, 0f);
            }
            return true;
        }
        return false;
    }

    private static void run(ThreadState s, Key key, Pointer a, Pointer b, float[] c, int cOff) {
        int size = key.m * key.n;
        s.c = ensure(s.c, size);
        if (key.accumulate) {
            s.c.position(0).put(c, cOff, size);
        }
        execute(s, key, a, b, null, s.c.position(0));
        s.c.position(0).get(c, cOff, size);
    }

    /** Runs the primitive of {@code key} on native operands; {@code c} is read first when accumulating. */
    private static void execute(ThreadState s, Key key, Pointer a, Pointer b, Pointer bias, Pointer c) {
        Matmul mm = matmul(key);
        if (mm.scratchpadBytes > 0) {
            s.scratchpad = ensure(s.scratchpad, mm.scratchpadBytes);
        }
        Bound bound = s.bind(key, mm);
        check(dnnl_memory_set_data_handle(bound.src, a), "dnnl_memory_set_data_handle(src)");
        check(dnnl_memory_set_data_handle(bound.weights, b), "dnnl_memory_set_data_handle(weights)");
        check(dnnl_memory_set_data_handle(bound.dst, c), "dnnl_memory_set_data_handle(dst)");
        int args = 3;
        s.args.position(0).arg(DNNL_ARG_SRC).memory(bound.src);
        s.args.position(1).arg(DNNL_ARG_WEIGHTS).memory(bound.weights);
        s.args.position(2).arg(DNNL_ARG_DST).memory(bound.dst);
        if (bound.bias != null) {
            check(dnnl_memory_set_data_handle(bound.bias, bias), "dnnl_memory_set_data_handle(bias)");
            s.args.position(args++).arg(DNNL_ARG_BIAS).memory(bound.bias);
        }
        if (bound.scratchpad != null) {
            check(dnnl_memory_set_data_handle(bound.scratchpad, s.scratchpad.position(0)),
                    "dnnl_memory_set_data_handle(scratchpad)");
            s.args.position(args++).arg(DNNL_ARG_SCRATCHPAD).memory(bound.scratchpad);
        }
        check(dnnl_primitive_execute(mm.primitive, s.stream, args, s.args.position(0)), "dnnl_primitive_execute");
        check(dnnl_stream_wait(s.stream), "dnnl_stream_wait");
    }

    private static Matmul matmul(Key key) {
        Matmul mm = PRIMITIVES.get(key);
        return mm != null ? mm : PRIMITIVES.computeIfAbsent(key, Matmul::create);
    }

    private static FloatPointer ensure(FloatPointer p, long count) {
        if (p != null && p.capacity() >= count) {
            return p;
        }
        if (p != null) {
            p.close();
        }
        return new FloatPointer(count);
    }

    private static ShortPointer ensure(ShortPointer p, long count) {
        if (p != null && p.capacity() >= count) {
            return p;
        }
        if (p != null) {
            p.close();
        }
        return new ShortPointer(count);
    }

    private static BytePointer ensure(BytePointer p, long count) {
        if (p != null && p.capacity() >= count) {
            return p;
        }
        if (p != null) {
            p.close();
        }
        return new BytePointer(count);
    }

    static void check(int status, String call) {
        if (status != dnnl_success) {
            throw new IllegalStateException("oneDNN " + call + " failed with status " + status);
        }
    }

    private static int dataType(Precision precision) {
        switch (precision) {
            case FP16:
                return dnnl_f16;
            case BF16:
                return dnnl_bf16;
            default:
                return dnnl_f32;
        }
    }

    /** oneDNN has no implementation for a problem on this CPU. */
    private static final class Unimplemented extends IllegalStateException {
        Unimplemented(String message) {
            super(message);
        }
    }

    /**
     * What a primitive depends on: {@code out} is the result's type (FP32, or the inputs' 16 bits); {@code bias}
     * adds a 1×n bias held as {@code out} to every row, {@code relu} then applies a ReLU.
     */
    private record Key(Precision precision, boolean transA, boolean transB, int m, int n, int k, boolean accumulate,
                       Precision out, boolean bias, boolean relu) {
        Key(Precision precision, boolean transA, boolean transB, int m, int n, int k, boolean accumulate) {
            this(precision, transA, transB, m, n, k, accumulate, Precision.FP32);
        }

        Key(Precision precision, boolean transA, boolean transB, int m, int n, int k, boolean accumulate, Precision out) {
            this(precision, transA, transB, m, n, k, accumulate, out, false, false);
        }

        @Override
        public String toString() {
            return precision + " " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k
                    + (accumulate ? " +c" : "") + (bias ? " +bias" : "") + (relu ? " relu" : "")
                    + (out != Precision.FP32 ? " -> " + out : "");
        }
    }

    /** A matmul primitive and the descriptors its memory objects are made from; kept for the process. */
    private static final class Matmul {
        final dnnl_primitive primitive;
        final dnnl_memory_desc srcMd;
        final dnnl_memory_desc weightsMd;
        final dnnl_memory_desc dstMd;
        /** The bias's descriptor, or null without one. */
        final dnnl_memory_desc biasMd;
        /** Owned by the primitive descriptor, which is kept alive with it. */
        final dnnl_memory_desc scratchpadMd;
        final long scratchpadBytes;
        final String implementation;
        @SuppressWarnings("unused")
        private final dnnl_primitive_desc pd;

        private Matmul(dnnl_primitive primitive, dnnl_primitive_desc pd, dnnl_memory_desc srcMd, dnnl_memory_desc weightsMd,
                       dnnl_memory_desc dstMd, dnnl_memory_desc biasMd, dnnl_memory_desc scratchpadMd, long scratchpadBytes,
                       String implementation) {
            this.primitive = primitive;
            this.pd = pd;
            this.srcMd = srcMd;
            this.weightsMd = weightsMd;
            this.dstMd = dstMd;
            this.biasMd = biasMd;
            this.scratchpadMd = scratchpadMd;
            this.scratchpadBytes = scratchpadBytes;
            this.implementation = implementation;
        }

        static Matmul create(Key key) {
            long started = System.nanoTime();
            int type = dataType(key.precision);
            // op(a) is m×k: stored m×k (strides k,1) or, transposed, k×m (strides 1,m). Same for op(b), k×n.
            dnnl_memory_desc src = memoryDesc(key.m, key.k, type, key.transA ? new long[] {1, key.m} : new long[] {key.k, 1});
            dnnl_memory_desc weights = memoryDesc(key.k, key.n, type, key.transB ? new long[] {1, key.k} : new long[] {key.n, 1});
            dnnl_memory_desc dst = memoryDesc(key.m, key.n, dataType(key.out), new long[] {key.n, 1});
            // The bias is held like the result: FP32, or the 16-bit codes of the working weights.
            dnnl_memory_desc bias = key.bias ? memoryDesc(1, key.n, dataType(key.out), new long[] {key.n, 1}) : null;
            dnnl_primitive_attr attr = new dnnl_primitive_attr();
            check(dnnl_primitive_attr_create(attr), "dnnl_primitive_attr_create");
            dnnl_post_ops postOps = null;
            try {
                check(dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user), "set_scratchpad_mode");
                if (key.accumulate || key.relu) {
                    postOps = new dnnl_post_ops();
                    check(dnnl_post_ops_create(postOps), "dnnl_post_ops_create");
                    if (key.accumulate) {
                        check(dnnl_post_ops_append_sum(postOps, 1.0f, 0, dnnl_data_type_undef), "dnnl_post_ops_append_sum");
                    }
                    if (key.relu) {
                        check(dnnl_post_ops_append_eltwise(postOps, dnnl_eltwise_relu, 0f, 0f), "dnnl_post_ops_append_eltwise");
                    }
                    check(dnnl_primitive_attr_set_post_ops(attr, postOps), "dnnl_primitive_attr_set_post_ops");
                }
                dnnl_primitive_desc pd = new dnnl_primitive_desc();
                int status = dnnl_matmul_primitive_desc_create(pd, ENGINE, src, weights, bias, dst, attr);
                if (status == dnnl_unimplemented) {
                    throw new Unimplemented("oneDNN has no matmul for " + key + " on this CPU (dnnl_unimplemented)");
                }
                check(status, "dnnl_matmul_primitive_desc_create(" + key + ")");
                dnnl_primitive primitive = new dnnl_primitive();
                check(dnnl_primitive_create(primitive, pd), "dnnl_primitive_create");
                dnnl_memory_desc scratchpad = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
                long scratchpadBytes = scratchpad == null || scratchpad.isNull() ? 0 : dnnl_memory_desc_get_size(scratchpad);
                String impl = queryImplementation(pd);
                LOG.debug("oneDNN matmul {}: {} (scratchpad {} bytes, created in {} ms)", key, impl, scratchpadBytes,
                        (System.nanoTime() - started) / 1_000_000.0);
                return new Matmul(primitive, pd, src, weights, dst, bias, scratchpadBytes > 0 ? scratchpad : null,
                        scratchpadBytes, impl);
            } finally {
                if (postOps != null) {
                    dnnl_post_ops_destroy(postOps);
                }
                dnnl_primitive_attr_destroy(attr);
            }
        }

        private static dnnl_memory_desc memoryDesc(int rows, int cols, int type, long[] strides) {
            dnnl_memory_desc md = new dnnl_memory_desc();
            check(dnnl_memory_desc_create_with_strides(md, 2, new long[] {rows, cols}, type, strides),
                    "dnnl_memory_desc_create_with_strides");
            return md;
        }

        private static String queryImplementation(dnnl_primitive_desc pd) {
            try (PointerPointer<BytePointer> out = new PointerPointer<>(1)) {
                if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, out) != dnnl_success) {
                    return "?";
                }
                BytePointer text = out.get(BytePointer.class, 0);
                return text == null || text.isNull() ? "?" : text.getString();
            }
        }
    }

    /** Memory objects of one primitive for one thread; their data handles point at the thread's buffers. */
    private static final class Bound {
        final dnnl_memory src = new dnnl_memory();
        final dnnl_memory weights = new dnnl_memory();
        final dnnl_memory dst = new dnnl_memory();
        final dnnl_memory bias;
        final dnnl_memory scratchpad;

        Bound(Matmul mm) {
            check(dnnl_memory_create(src, mm.srcMd, ENGINE, (Pointer) null), "dnnl_memory_create(src)");
            check(dnnl_memory_create(weights, mm.weightsMd, ENGINE, (Pointer) null), "dnnl_memory_create(weights)");
            check(dnnl_memory_create(dst, mm.dstMd, ENGINE, (Pointer) null), "dnnl_memory_create(dst)");
            if (mm.biasMd != null) {
                bias = new dnnl_memory();
                check(dnnl_memory_create(bias, mm.biasMd, ENGINE, (Pointer) null), "dnnl_memory_create(bias)");
            } else {
                bias = null;
            }
            if (mm.scratchpadMd != null) {
                scratchpad = new dnnl_memory();
                check(dnnl_memory_create(scratchpad, mm.scratchpadMd, ENGINE, (Pointer) null), "dnnl_memory_create(scratchpad)");
            } else {
                scratchpad = null;
            }
        }
    }

    /** A thread's stream, native operand buffers (grow-only) and memory objects. */
    private static final class ThreadState {
        final dnnl_stream stream = new dnnl_stream();
        final dnnl_exec_arg_t args = new dnnl_exec_arg_t(5);
        final Map<Key, Bound> bound = new HashMap<>();
        FloatPointer a32;
        FloatPointer b32;
        ShortPointer a16;
        ShortPointer b16;
        FloatPointer c;
        FloatPointer bias32;
        BytePointer scratchpad;
        final NativeAddress aAddress = new NativeAddress();
        final NativeAddress bAddress = new NativeAddress();
        final NativeAddress cAddress = new NativeAddress();
        final NativeAddress biasAddress = new NativeAddress();
        private float[] wideA = new float[0];
        private float[] wideB = new float[0];

        /** A heap matrix copied into this thread's native buffer for operand A. */
        Pointer copyA(Matrix m) {
            if (m.storage().isLow()) {
                a16 = ensure(a16, m.size());
                return copy(m, a16);
            }
            a32 = ensure(a32, m.size());
            return copy(m, a32);
        }

        /** A heap matrix copied into this thread's native buffer for operand B. */
        Pointer copyB(Matrix m) {
            if (m.storage().isLow()) {
                b16 = ensure(b16, m.size());
                return copy(m, b16);
            }
            b32 = ensure(b32, m.size());
            return copy(m, b32);
        }

        /** A heap bias copied into this thread's native buffer for it (room for FP32; codes take half). */
        Pointer copyBias(Matrix m) {
            bias32 = ensure(bias32, m.size());
            return copy(m, bias32);
        }

        private static Pointer copy(Matrix m, Pointer into) {
            into.position(0).asByteBuffer().order(ByteOrder.nativeOrder()).put(0, m.buffer(), 0, (int) m.bytes());
            return into.position(0);
        }

        float[] wideA(int size) {
            if (wideA.length < size) {
                wideA = new float[size];
            }
            return wideA;
        }

        float[] wideB(int size) {
            if (wideB.length < size) {
                wideB = new float[size];
            }
            return wideB;
        }

        ThreadState() {
            check(dnnl_stream_create(stream, ENGINE, dnnl_stream_default_flags), "dnnl_stream_create");
        }

        Bound bind(Key key, Matmul mm) {
            Bound b = bound.get(key);
            if (b == null) {
                b = new Bound(mm);
                bound.put(key, b);
            }
            return b;
        }
    }

    /** A pointer at memory someone else owns (an off-heap {@link Matrix}): no allocation, no deallocator; re-aimed per call. */
    private static final class NativeAddress extends Pointer {
        NativeAddress at(Matrix m) {
            this.address = m.address();
            this.position = 0;
            this.limit = m.bytes();
            this.capacity = m.bytes();
            return this;
        }
    }
}
