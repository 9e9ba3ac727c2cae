package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The cases every {@link GemmKernel} must pass, called through the {@link Gemm} facade and compared with
 * a plain FP64 triple loop written here. A new provider gets a subclass that returns it from
 * {@link #kernel()}.
 *
 * <p>Tolerance: the kernel sums k products and, with accumulate, the old c, in FP32 (unit roundoff
 * u = 2^-24). Standard recursive-summation analysis bounds the error of each c[i][j] by
 * γ_n · (|c0| + Σ_p |a_ip|·|b_pj|) with γ_n = n·u/(1 - n·u), n = k + 1 (k additions plus, for FP32
 * inputs, the rounding of each product; products of two 16-bit values are exact in FP32). We allow
 * (k + 2)·2^-24 times that sum, which covers γ_{k+1} for every k here. The reference decodes the 16-bit
 * inputs exactly and multiplies in double, so its own error is negligible at this scale.
 */
abstract class GemmKernelContract {
    private static final int A_OFF = 3;
    private static final int B_OFF = 5;
    private static final int C_OFF = 7;
    private static final int PAD = 4;
    private static final float SENTINEL = -12345.5f;

    /** The kernel under test. */
    abstract GemmKernel kernel();

    private Gemm gemm() {
        return new Gemm(kernel());
    }

    /** Operands of one case: stored layouts with offsets and padding, plus their decoded float values. */
    private static final class Case {
        final Precision precision;
        final boolean transA;
        final boolean transB;
        final int m;
        final int n;
        final int k;
        final float[] a32;
        final float[] b32;
        final short[] a16;
        final short[] b16;
        /** Values of the stored operands (decoded for 16-bit), same layout as stored. */
        final float[] aValues;
        final float[] bValues;
        final float[] c0;

        Case(Precision precision, boolean transA, boolean transB, int m, int n, int k, long seed) {
            this.precision = precision;
            this.transA = transA;
            this.transB = transB;
            this.m = m;
            this.n = n;
            this.k = k;
            SplittableRandom random = new SplittableRandom(seed);
            float[] a = randomArray(random, A_OFF + m * k + PAD);
            float[] b = randomArray(random, B_OFF + k * n + PAD);
            c0 = randomArray(random, C_OFF + m * n + PAD);
            if (precision.isLow()) {
                a16 = LowPrecisionArrays.encode(precision, a);
                b16 = LowPrecisionArrays.encode(precision, b);
                aValues = LowPrecisionArrays.decode(precision, a16);
                bValues = LowPrecisionArrays.decode(precision, b16);
                a32 = null;
                b32 = null;
            } else {
                a32 = a;
                b32 = b;
                aValues = a;
                bValues = b;
                a16 = null;
                b16 = null;
            }
        }

        private static float[] randomArray(SplittableRandom random, int size) {
            float[] v = new float[size];
            for (int i = 0; i < size; i++) {
                v[i] = (float) random.nextDouble(-2, 2);
            }
            return v;
        }

        double a(int i, int p) {
            return transA ? aValues[A_OFF + p * m + i] : aValues[A_OFF + i * k + p];
        }

        double b(int p, int j) {
            return transB ? bValues[B_OFF + j * k + p] : bValues[B_OFF + p * n + j];
        }

        float[] run(Gemm gemm, boolean accumulate) {
            float[] c = c0.clone();
            if (precision.isLow()) {
                gemm.multiply(precision, transA, transB, m, n, k, a16, A_OFF, b16, B_OFF, c, C_OFF, accumulate);
            } else {
                gemm.multiply(transA, transB, m, n, k, a32, A_OFF, b32, B_OFF, c, C_OFF, accumulate);
            }
            return c;
        }

        void check(float[] c, boolean accumulate) {
            for (int idx = 0; idx < c.length; idx++) {
                if (idx < C_OFF || idx >= C_OFF + m * n) {
                    assertEquals(c0[idx], c[idx], "c[" + idx + "] lies outside the m×n result and must not change; " + this);
                }
            }
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    double start = accumulate ? c0[C_OFF + i * n + j] : 0.0;
                    double exact = start;
                    double magnitude = Math.abs(start);
                    for (int p = 0; p < k; p++) {
                        double product = a(i, p) * b(p, j);
                        exact += product;
                        magnitude += Math.abs(product);
                    }
                    double tolerance = (k + 2) * 0x1p-24 * magnitude;
                    float actual = c[C_OFF + i * n + j];
                    if (!(Math.abs(actual - exact) <= tolerance)) {
                        fail(this + (accumulate ? " accumulate" : "") + ": c[" + i + "][" + j + "] = " + actual + ", reference "
                                + exact + ", tolerance " + tolerance);
                    }
                }
            }
        }

        @Override
        public String toString() {
            return precision + " " + (transA ? "T" : "N") + (transB ? "T" : "N") + " m=" + m + " n=" + n + " k=" + k;
        }
    }

    private void runAndCheck(Case c) {
        for (boolean accumulate : new boolean[] {false, true}) {
            c.check(c.run(gemm(), accumulate), accumulate);
        }
    }

    private static List<int[]> smallShapes() {
        List<int[]> shapes = new ArrayList<>();
        shapes.add(new int[] {1, 1, 1});
        shapes.add(new int[] {7, 13, 5});
        // Lucene-style awkward sizes, one long dimension at a time.
        int[] awkward = {1, 7, 13, 1023};
        for (int big : awkward) {
            shapes.add(new int[] {big, 7, 13});
            shapes.add(new int[] {13, big, 7});
            shapes.add(new int[] {7, 13, big});
        }
        shapes.add(new int[] {0, 5, 3});
        shapes.add(new int[] {4, 5, 0});
        return shapes;
    }

    @Test
    void smallAndAwkwardShapesAllTransposesAllPrecisions() {
        long seed = 1;
        for (Precision precision : Precision.values()) {
            for (int[] s : smallShapes()) {
                for (int t = 0; t < 4; t++) {
                    runAndCheck(new Case(precision, (t & 1) != 0, (t & 2) != 0, s[0], s[1], s[2], seed++));
                }
            }
        }
    }

    @Test
    void largeShape513x784x257EachPrecisionAndTranspose() {
        // m=513, k=784, n=257: one transpose combination per run keeps the FP64 reference affordable.
        runAndCheck(new Case(Precision.FP32, false, false, 513, 257, 784, 11));
        runAndCheck(new Case(Precision.FP16, true, false, 513, 257, 784, 12));
        runAndCheck(new Case(Precision.BF16, false, true, 513, 257, 784, 13));
        runAndCheck(new Case(Precision.FP32, true, true, 513, 257, 784, 14));
    }

    @Test
    void resultsAreBitIdenticalAcrossCalls() {
        for (Precision precision : Precision.values()) {
            Case c = new Case(precision, true, false, 61, 130, 700, 21);
            float[] first = c.run(gemm(), true);
            float[] second = c.run(gemm(), true);
            float[] other = c.run(new Gemm(kernel()), true);
            assertArrayEquals(first, second, precision + ": two calls differ");
            assertArrayEquals(first, other, precision + ": a second kernel instance differs");
        }
    }

    @Test
    void infinityAndNanPropagateAsInIeee() {
        // A = [[inf, 1], [NaN, 1], [1, 1]] (3×2), B = [[0, 1], [1, 2]] (2×2).
        float inf = Float.POSITIVE_INFINITY;
        float[] a = {inf, 1, Float.NaN, 1, 1, 1};
        float[] b = {0, 1, 1, 2};
        float[] c = new float[6];
        gemm().multiply(false, false, 3, 2, 2, a, 0, b, 0, c, 0, false);
        assertTrue(Float.isNaN(c[0]), "inf*0 + 1*1 is NaN, got " + c[0]);
        assertEquals(inf, c[1], "inf*1 + 1*2");
        assertTrue(Float.isNaN(c[2]) && Float.isNaN(c[3]), "a NaN row gives NaN: " + Arrays.toString(c));
        assertEquals(1f, c[4]);
        assertEquals(3f, c[5]);
        for (Precision precision : new Precision[] {Precision.FP16, Precision.BF16}) {
            short[] a16 = LowPrecisionArrays.encode(precision, a);
            short[] b16 = LowPrecisionArrays.encode(precision, b);
            float[] c16 = new float[6];
            gemm().multiply(precision, false, false, 3, 2, 2, a16, 0, b16, 0, c16, 0, false);
            assertTrue(Float.isNaN(c16[0]), precision + " inf*0");
            assertEquals(inf, c16[1], precision + " inf*1");
            assertTrue(Float.isNaN(c16[2]), precision + " NaN row");
            assertEquals(3f, c16[5]);
        }
        // accumulate into an infinite c keeps it infinite; into NaN keeps NaN
        float[] acc = {Float.NEGATIVE_INFINITY, Float.NaN};
        gemm().multiply(false, false, 1, 2, 1, new float[] {2}, 0, new float[] {1, 1}, 0, acc, 0, true);
        assertEquals(Float.NEGATIVE_INFINITY, acc[0]);
        assertTrue(Float.isNaN(acc[1]));
    }

    @Test
    void aProductAskedForAs16BitCodesIsTheFp32ProductRoundedOnce() {
        int m = 37;
        int n = 45;
        int k = 300;
        try (BufferAllocator root = new RootAllocator(); Workspace offHeap = Workspace.offHeap(root, "gemm")) {
            for (Precision p : new Precision[] {Precision.FP16, Precision.BF16}) {
                for (boolean direct : new boolean[] {true, false}) {
                    SplittableRandom random = new SplittableRandom(31);
                    float[] a = new float[m * k];
                    float[] b = new float[k * n];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = (float) random.nextDouble(-1, 1);
                    }
                    for (int i = 0; i < b.length; i++) {
                        b[i] = (float) random.nextDouble(-1, 1);
                    }
                    a[5] = 60000f; // row 0 of an FP16 product overflows; BF16 keeps it
                    a[k + 3] = Float.NaN; // row 1 is NaN
                    for (int j = 0; j < k; j++) {
                        a[2 * k + j] = 1e-20f; // row 2 is tiny: below FP16's range, and BF16's smallest normals
                    }
                    Matrix am = matrix(offHeap, direct, "a", p, m, k);
                    Matrix bm = matrix(offHeap, direct, "b", p, k, n);
                    am.writeFloats(a, 0);
                    bm.writeFloats(b, 0);
                    Matrix wide = matrix(offHeap, direct, "c32", Precision.FP32, m, n);
                    Matrix codes = matrix(offHeap, direct, "c16", p, m, n);
                    gemm().multiply(p, false, true, m, n, k, am, bm, wide, false);
                    if (!kernel().roundsProduct(p)) {
                        assertThrows(IllegalArgumentException.class, () -> gemm().multiply(p, false, true, m, n, k, am, bm, codes, false),
                                kernel().name() + " does not round " + p + " products: a 16-bit result is refused");
                        continue;
                    }
                    assertThrows(IllegalArgumentException.class, () -> gemm().multiply(p, false, true, m, n, k, am, bm, codes, true),
                            "accumulating into 16-bit codes is refused");
                    gemm().multiply(p, false, true, m, n, k, am, bm, codes, false);
                    for (int i = 0; i < m * n; i++) {
                        float expected = p.round(wide.get(i));
                        float got = codes.get(i);
                        // A native BF16 store may flush a result below FP32's smallest normal to zero (see GemmKernel).
                        boolean flushed = p == Precision.BF16 && got == 0f && Math.abs(wide.get(i)) < Float.MIN_NORMAL;
                        if (!(Float.isNaN(expected) ? Float.isNaN(got)
                                : Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(got) || flushed)) {
                            fail(p + (direct ? " off-heap" : " heap") + " element " + i + ": FP32 product " + wide.get(i)
                                    + " rounded is " + expected + ", the 16-bit result is " + got);
                        }
                    }
                    assertTrue(p == Precision.BF16 || Float.isInfinite(codes.get(0)), "an FP16 product past 65504 is inf");
                    assertTrue(Float.isNaN(codes.get(n)), "a NaN row stays NaN");
                }
            }
        }
    }

    @Test
    void aBiasAndReluAddedInTheMultiplyGiveTheBitsOfASeparatePassRoundedOnce() {
        int m = 29;
        int n = 67;
        int k = 300;
        try (BufferAllocator root = new RootAllocator(); Workspace offHeap = Workspace.offHeap(root, "gemm")) {
            for (Precision p : Precision.values()) {
                for (boolean transA : new boolean[] {false, true}) {
                    for (boolean direct : new boolean[] {true, false}) {
                        biasAndRelu(offHeap, p, transA, direct, m, n, k);
                    }
                }
                if (kernel().fusesBias(p)) {
                    Precision held = kernel().operandStorage(p);
                    Matrix none = Matrix.onHeap(held, 2, 3);
                    Matrix biasm = Matrix.onHeap(held, 1, 3);
                    biasm.writeFloats(new float[] {-1f, 2f, Float.NaN}, 0);
                    gemm().multiplyAddBias(p, false, false, 2, 3, 0, Matrix.onHeap(held, 2, 0), Matrix.onHeap(held, 0, 3),
                            biasm, true, none);
                    assertEquals(List.of(0f, 2f, 0f, 0f, 2f, 0f), floats(none), p + ": an empty product plus the bias, ReLU applied");
                    assertThrows(IllegalArgumentException.class, () -> gemm().multiplyAddBias(p, false, false, 2, 3, 0,
                            Matrix.onHeap(held, 2, 0), Matrix.onHeap(held, 0, 3), Matrix.onHeap(held, 1, 2), false, none),
                            "a bias of the wrong width is refused");
                    assertThrows(IllegalArgumentException.class, () -> gemm().multiplyAddBias(p, false, false, 2, 3, 0,
                            Matrix.onHeap(held, 2, 0), Matrix.onHeap(held, 0, 3), Matrix.onHeap(held == Precision.FP32
                                    ? Precision.BF16 : Precision.FP32, 1, 3), false, none), "a bias held in another storage is refused");
                }
            }
        }
    }

    /**
     * One case of the fused bias: the kernel's {@code p} product of operands held as it asks (codes, or FP32 values
     * rounded to {@code p}), the bias added, the ReLU applied and the sum rounded once where the result is held as
     * codes, against the kernel's FP32 product and that arithmetic in Java.
     */
    private void biasAndRelu(Workspace offHeap, Precision p, boolean transA, boolean direct, int m, int n, int k) {
        SplittableRandom random = new SplittableRandom(37);
        float[] a = new float[m * k];
        float[] b = new float[k * n];
        float[] bias = new float[n];
        for (int i = 0; i < a.length; i++) {
            a[i] = p.round((float) random.nextDouble(-1, 1));
        }
        for (int i = 0; i < b.length; i++) {
            b[i] = p.round((float) random.nextDouble(-1, 1));
        }
        for (int j = 0; j < n; j++) {
            bias[j] = p.round((float) random.nextDouble(-2, 2));
        }
        bias[1] = Float.NaN; // a NaN column: the ReLU makes it +0, as the separate pass does
        bias[2] = Float.POSITIVE_INFINITY;
        bias[3] = Float.NEGATIVE_INFINITY;
        bias[4] = 0f; // with column 4 of b zero, the sum is 0 + 0: +0 either way
        bias[5] = -0f; // with column 5 of b zero, -0: the ReLU must give +0
        for (int q = 0; q < k; q++) {
            b[q * n + 4] = 0f;
            b[q * n + 5] = -0f;
        }
        Precision held = kernel().operandStorage(p);
        Matrix am = matrix(offHeap, direct, "a" + p, held, transA ? k : m, transA ? m : k);
        Matrix bm = matrix(offHeap, direct, "b" + p, held, k, n);
        Matrix biasm = matrix(offHeap, direct, "bias" + p, held, 1, n);
        am.writeFloats(a, 0);
        bm.writeFloats(b, 0);
        biasm.writeFloats(bias, 0);
        Matrix product = matrix(offHeap, direct, "product", Precision.FP32, m, n);
        gemm().multiply(p, transA, false, m, n, k, am, bm, product, false);
        for (boolean relu : new boolean[] {false, true}) {
            Matrix fused = matrix(offHeap, direct, "fused" + relu + p, held, m, n);
            if (!kernel().fusesBias(p)) {
                assertThrows(IllegalStateException.class,
                        () -> gemm().multiplyAddBias(p, transA, false, m, n, k, am, bm, biasm, relu, fused),
                        kernel().name() + " does not add a bias in its " + p + " multiply: asking for it is refused");
                continue;
            }
            gemm().multiplyAddBias(p, transA, false, m, n, k, am, bm, biasm, relu, fused);
            for (int i = 0; i < m * n; i++) {
                float sum = product.get(i) + bias[i % n];
                float expected = held.round(relu ? (sum > 0f ? sum : 0f) : sum); // FP32 values: the caller rounds
                float got = fused.get(i);
                if (Float.isNaN(expected) ? !Float.isNaN(got) : Float.floatToRawIntBits(expected) != Float.floatToRawIntBits(got)) {
                    fail(p + (direct ? " off-heap" : " heap") + (transA ? " A^T" : "") + (relu ? " relu" : "") + " element " + i
                            + ": product " + product.get(i) + " + bias " + bias[i % n] + " is " + sum + ", rounded once "
                            + expected + ", the multiply with the bias gave " + got);
                }
            }
        }
    }

    private static List<Float> floats(Matrix m) {
        List<Float> out = new ArrayList<>();
        for (int i = 0; i < m.size(); i++) {
            out.add(m.get(i));
        }
        return out;
    }

    private Matrix matrix(Workspace offHeap, boolean direct, String slot, Precision storage, int rows, int cols) {
        return direct ? offHeap.matrix(this, slot, storage, rows, cols) : Matrix.onHeap(storage, rows, cols);
    }

    @Test
    void accumulateFalseIgnoresWhatCHeld() {
        float[] c = {Float.NaN, Float.POSITIVE_INFINITY};
        gemm().multiply(false, false, 1, 2, 1, new float[] {2}, 0, new float[] {3, 4}, 0, c, 0, false);
        assertArrayEquals(new float[] {6, 8}, c);
    }
}
