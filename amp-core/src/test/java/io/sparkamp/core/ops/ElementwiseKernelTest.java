package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.numeric.Vectorization;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every pointwise implementation (plain and Vector API) against a reference written here with the
 * scalar converters, for every storage (FP32, FP16, BF16 codes) on and off the heap, on awkward sizes
 * (Lucene style: 1, 7, 13, 64, 1023, 4098 elements; rows narrower and wider than a vector, and narrow rows that are
 * no whole number of vectors). Values include zeros of both signs, NaN, infinities, subnormals and values that
 * overflow FP16.
 */
class ElementwiseKernelTest {
    private static final int[][] SHAPES = {{1, 1}, {1, 7}, {13, 1}, {1, 64}, {3, 341}, {2, 2049}, {16, 10}, {5, 20}, {7, 40},
        {4, 512}};

    private BufferAllocator root;
    private Workspace offHeap;

    /** An implementation, a storage for inputs and outputs, and where the matrices live. */
    record Case(String implementation, Precision storage, boolean direct) {
        ElementwiseKernel kernel() {
            return kernelNamed(implementation);
        }

        @Override
        public String toString() {
            return implementation + " " + storage + (direct ? " off-heap" : " heap");
        }
    }

    /** The "scalar" or "vector" implementation; the vector one skipped only where the JVM lacks the module. */
    static ElementwiseKernel kernelNamed(String implementation) {
        if (implementation.equals("scalar")) {
            return ElementwiseKernels.scalar();
        }
        // Skipped only where the JVM lacks the module; with the module a load failure is a bug.
        Assumptions.assumeTrue(Vectorization.unavailableReason() == null, Vectorization::unavailableReason);
        Vectorization.Loaded<ElementwiseKernel> vector = ElementwiseKernels.vector();
        assertNotNull(vector.instance(), vector.reason());
        return vector.instance();
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (String implementation : new String[] {"scalar", "vector"}) {
            for (Precision storage : Precision.values()) {
                cases.add(new Case(implementation, storage, true));
                cases.add(new Case(implementation, storage, false));
            }
        }
        return cases;
    }

    @BeforeEach
    void open() {
        root = new RootAllocator();
        offHeap = Workspace.offHeap(root, "elementwise");
    }

    @AfterEach
    void close() {
        offHeap.close();
        root.close();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void biasEpilogueAddsTheBiasToTheProductThenRoundsOnce(Case c) {
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] product = values(rows * cols, 1);
            float[] bias = values(cols + 3, 2);
            Precision[] roundings = c.storage() == Precision.FP32
                    ? new Precision[] {Precision.FP32, Precision.BF16, Precision.FP16} : new Precision[] {c.storage()};
            for (Precision roundTo : roundings) {
                String what = c + " " + rows + "x" + cols + " rounded to " + roundTo;
                Matrix out = matrix(c, "out", c.storage(), rows, cols);
                c.kernel().biasEpilogue(fp32(c, "product", product, rows, cols), bias, 3, roundTo, out, false, null);
                float[] expected = new float[rows * cols];
                for (int i = 0; i < expected.length; i++) {
                    expected[i] = roundTo.round(product[i] + bias[3 + i % cols]);
                }
                assertBits(what, expected, out);
                // With the ReLU after it fused in: the same as a ReLU pass over that output.
                long[] fused = new long[(rows * cols + 63) / 64];
                java.util.Arrays.fill(fused, -1L);
                Matrix relu = matrix(c, "relu", c.storage(), rows, cols);
                c.kernel().biasEpilogue(fp32(c, "product", product, rows, cols), bias, 3, roundTo, relu, true, fused);
                for (int i = 0; i < expected.length; i++) {
                    boolean positive = expected[i] > 0f;
                    assertEquals(positive, (fused[i >>> 6] & (1L << i)) != 0, what + ": fused mask bit " + i + " of " + expected[i]);
                    expected[i] = positive ? expected[i] : 0f;
                }
                assertBits(what + " with ReLU", expected, relu);
                // The ReLU without its bits (the backward reads the output instead): the same output.
                Matrix unmasked = matrix(c, "unmasked", c.storage(), rows, cols);
                c.kernel().biasEpilogue(fp32(c, "product", product, rows, cols), bias, 3, roundTo, unmasked, true, null);
                assertBits(what + " with ReLU, no bits", expected, unmasked);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void anInputGradientTheGemmRoundedIsMaskedWhereItLies(Case c) {
        Assumptions.assumeTrue(c.storage().isLow(), "a rounded product is held as 16-bit codes");
        Precision p = c.storage();
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            float[] product = values(rows * cols, 5);
            long[] mask = new long[(rows * cols + 63) / 64];
            SplittableRandom random = new SplittableRandom(rows * 31L + cols);
            for (int w = 0; w < mask.length; w++) {
                mask[w] = random.nextLong();
            }
            Matrix gradient = stored(c, "gradient", product, rows, cols);
            c.kernel().maskScale(gradient, mask, 1f, p, gradient);
            float[] expected = new float[rows * cols];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = (mask[i >>> 6] & (1L << i)) != 0 ? p.round(product[i]) : 0f;
            }
            assertBits(c + " " + rows + "x" + cols + " masked in place", expected, gradient);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void roundRoundsEveryValueInPlaceOrNot(Case c) {
        for (int[] shape : SHAPES) {
            int count = shape[0] * shape[1];
            float[] x = values(count, 11);
            Precision[] roundings = c.storage() == Precision.FP32
                    ? new Precision[] {Precision.FP32, Precision.FP16, Precision.BF16} : new Precision[] {c.storage()};
            for (Precision roundTo : roundings) {
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    expected[i] = roundTo.round(fp32(c, "x", x, shape[0], shape[1]).get(i));
                }
                Matrix out = matrix(c, "out", c.storage(), shape[0], shape[1]);
                c.kernel().round(fp32(c, "x", x, shape[0], shape[1]), roundTo, out);
                assertBits(c + " round to " + roundTo + " " + count, expected, out);
                if (c.storage() == Precision.FP32) {
                    Matrix inPlace = fp32(c, "in place", x, shape[0], shape[1]);
                    c.kernel().round(inPlace, roundTo, inPlace);
                    assertBits(c + " round in place to " + roundTo + " " + count, expected, inPlace);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void maskPositiveRoundRoundsWhereTheOtherMatrixIsPositive(Case c) {
        Assumptions.assumeTrue(c.storage() == Precision.FP32, "an input gradient held as FP32 values");
        for (int[] shape : SHAPES) {
            int count = shape[0] * shape[1];
            Matrix in = fp32(c, "in", values(count, 12), shape[0], shape[1]);
            Matrix of = fp32(c, "of", values(count, 13), shape[0], shape[1]);
            for (Precision roundTo : new Precision[] {Precision.FP32, Precision.FP16, Precision.BF16}) {
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    expected[i] = of.get(i) > 0f ? roundTo.round(in.get(i)) : 0f;
                }
                Matrix out = matrix(c, "out", Precision.FP32, shape[0], shape[1]);
                c.kernel().maskPositiveRound(in, of, roundTo, out);
                assertBits(c + " maskPositiveRound to " + roundTo + " " + count, expected, out);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void maskPositiveKeepsValuesWhereTheOtherMatrixIsPositive(Case c) {
        for (int[] shape : SHAPES) {
            int count = shape[0] * shape[1];
            Matrix in = stored(c, "in", values(count, 7), shape[0], shape[1]);
            Matrix of = stored(c, "of", values(count, 8), shape[0], shape[1]);
            float[] expected = new float[count];
            for (int i = 0; i < count; i++) {
                expected[i] = of.get(i) > 0f ? in.get(i) : 0f;
            }
            Matrix out = matrix(c, "out", c.storage(), shape[0], shape[1]);
            c.kernel().maskPositive(in, of, out);
            assertBits(c + " maskPositive " + count, expected, out);
            c.kernel().maskPositive(in, of, in); // in place
            assertBits(c + " maskPositive in place " + count, expected, in);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void reluKeepsPositivesRoundsThemAndSetsTheirBits(Case c) {
        for (int[] shape : SHAPES) {
            int count = shape[0] * shape[1];
            float[] x = values(count, 3);
            Matrix in = stored(c, "in", x, shape[0], shape[1]);
            Precision[] roundings = c.storage() == Precision.FP32
                    ? new Precision[] {Precision.FP32, Precision.FP16, Precision.BF16} : new Precision[] {c.storage()};
            for (Precision roundTo : roundings) {
                for (boolean inPlace : new boolean[] {false, true}) {
                    Matrix source = inPlace ? stored(c, "in place", x, shape[0], shape[1]) : in;
                    Matrix out = inPlace ? source : matrix(c, "out", c.storage(), shape[0], shape[1]);
                    long[] mask = new long[(count + 63) / 64];
                    java.util.Arrays.fill(mask, -1L);
                    c.kernel().relu(source, roundTo, out, mask);
                    float[] expected = new float[count];
                    for (int i = 0; i < count; i++) {
                        float v = in.get(i);
                        boolean positive = roundTo.round(v) > 0f; // a value that rounds to zero is not positive
                        expected[i] = positive ? roundTo.round(v) : 0f;
                        assertEquals(positive, (mask[i >>> 6] & (1L << i)) != 0, c + " " + roundTo + " mask bit " + i + " of " + v);
                    }
                    assertBits(c + " relu to " + roundTo + (inPlace ? " in place " : " ") + count, expected, out);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void maskScaleZeroesClearedBitsAndScalesTheRest(Case c) {
        SplittableRandom random = new SplittableRandom(9);
        for (int[] shape : SHAPES) {
            int count = shape[0] * shape[1];
            Matrix in = stored(c, "in", values(count, 4), shape[0], shape[1]);
            long[] mask = new long[(count + 63) / 64];
            for (int w = 0; w < mask.length; w++) {
                mask[w] = random.nextLong();
            }
            for (float scale : new float[] {1f, 1.25f}) {
                Precision outStorage = scale == 1f ? c.storage() : Precision.FP32;
                Precision roundTo = outStorage.isLow() ? outStorage : Precision.FP32;
                Matrix out = matrix(c, "out" + scale, outStorage, shape[0], shape[1]);
                c.kernel().maskScale(in, mask, scale, roundTo, out);
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    expected[i] = (mask[i >>> 6] & (1L << i)) != 0 ? roundTo.round(in.get(i) * scale) : 0f;
                }
                assertBits(c + " scale " + scale + " " + count, expected, out);
            }
            if (c.storage().isLow()) { // a dropout on 16-bit codes: scaled, rounded once, kept as codes
                Precision p = c.storage();
                Matrix out = matrix(c, "scaled codes", p, shape[0], shape[1]);
                c.kernel().maskScale(in, mask, 1.25f, p, out);
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    expected[i] = (mask[i >>> 6] & (1L << i)) != 0 ? p.round(in.get(i) * 1.25f) : 0f;
                }
                assertBits(c + " scale 1.25 into " + p + " " + count, expected, out);
            }
            // An FP32 input gradient rounded into the storage and masked in one pass (a Linear fusing the ReLU before it).
            float[] raw = values(count, 8);
            Precision[] roundings = c.storage() == Precision.FP32 ? new Precision[] {Precision.BF16, Precision.FP16} : new Precision[] {c.storage()};
            for (Precision roundTo : roundings) {
                Matrix rounded = matrix(c, "rounded" + roundTo, c.storage(), shape[0], shape[1]);
                c.kernel().maskScale(fp32(c, "raw", raw, shape[0], shape[1]), mask, 1f, roundTo, rounded);
                float[] expected = new float[count];
                for (int i = 0; i < count; i++) {
                    expected[i] = (mask[i >>> 6] & (1L << i)) != 0 ? roundTo.round(raw[i]) : 0f;
                }
                assertBits(c + " round to " + roundTo + " and mask " + count, expected, rounded);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void convertRoundsAndCountsTheValuesThatVanish(Case c) {
        for (int[] shape : SHAPES) {
            int count = shape[0] * shape[1];
            float[] x = values(count, 5);
            Precision roundTo = c.storage() == Precision.FP32 ? Precision.FP16 : c.storage();
            Matrix out = matrix(c, "out", c.storage(), shape[0], shape[1]);
            CastCounts counts = c.kernel().convert(fp32(c, "in", x, shape[0], shape[1]), roundTo, out);
            float[] expected = new float[count];
            long nonZero = 0;
            long underflowed = 0;
            for (int i = 0; i < count; i++) {
                expected[i] = roundTo.round(x[i]);
                if (x[i] != 0f) {
                    nonZero++;
                    if (expected[i] == 0f) {
                        underflowed++;
                    }
                }
            }
            assertBits(c + " convert " + count, expected, out);
            assertEquals(new CastCounts(nonZero, underflowed), counts, c + " counts of " + count);
            assertEquals(new CastCounts(nonZero - underflowed, 0), c.kernel().convert(out, roundTo, out), c + " in place");
            // Back to FP32: exact widening, nothing vanishes.
            Matrix wide = matrix(c, "wide", Precision.FP32, shape[0], shape[1]);
            assertEquals(new CastCounts(nonZero - underflowed, 0), c.kernel().convert(out, c.storage().isLow() ? c.storage() : roundTo, wide),
                    c + " widening counts");
            assertBits(c + " widened " + count, expected, wide);
        }
    }

    @ParameterizedTest
    @MethodSource("cases")
    void columnSumsAccumulateInDoubleRowsInOrder(Case c) {
        for (int[] shape : SHAPES) {
            int rows = shape[0];
            int cols = shape[1];
            Matrix in = stored(c, "in", finite(rows * cols, 6), rows, cols);
            Matrix dst = fp32(c, "dst", finite(cols, 7), 1, cols);
            in.set(0, 0f);
            in.set(in.size() - 1, -0f);
            float[] before = dst.toFloats();
            long nonZero = c.kernel().addColumnSums(in, dst);
            float[] expected = new float[cols];
            long expectedNonZero = 0;
            for (int j = 0; j < cols; j++) {
                double sum = 0;
                for (int r = 0; r < rows; r++) {
                    sum += in.get(r * cols + j);
                    expectedNonZero += in.get(r * cols + j) != 0f ? 1 : 0;
                }
                expected[j] = (float) (before[j] + sum);
            }
            assertBits(c + " column sums " + rows + "x" + cols, expected, dst);
            assertEquals(expectedNonZero, nonZero, c + " non-zero values of " + rows + "x" + cols);
        }
    }

    private Matrix matrix(Case c, String slot, Precision storage, int rows, int cols) {
        return c.direct() ? offHeap.matrix(this, slot + rows + "x" + cols, storage, rows, cols) : Matrix.onHeap(storage, rows, cols);
    }

    private Matrix fp32(Case c, String slot, float[] values, int rows, int cols) {
        Matrix m = matrix(c, slot, Precision.FP32, rows, cols);
        m.writeFloats(values, 0);
        return m;
    }

    /** {@code values} held in the case's storage (rounded into it). */
    private Matrix stored(Case c, String slot, float[] values, int rows, int cols) {
        Matrix m = matrix(c, slot, c.storage(), rows, cols);
        m.writeFloats(values, 0);
        return m;
    }

    private static void assertBits(String what, float[] expected, Matrix actual) {
        for (int i = 0; i < expected.length; i++) {
            float a = actual.get(i);
            boolean same = Float.isNaN(expected[i]) ? Float.isNaN(a) : Float.floatToRawIntBits(expected[i]) == Float.floatToRawIntBits(a);
            if (!same) {
                fail(what + ": element " + i + " expected " + expected[i] + " got " + a);
            }
        }
    }

    /** Random values with every awkward kind mixed in. */
    private static float[] values(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 1e-9f, -3e-8f, 70000f,
            -65520f, Float.MIN_VALUE, 0x1p-130f,
            // FP16's underflow edge: 2^-25 rounds to even (zero), the next float up to the smallest subnormal
            0x1p-25f, -0x1p-25f, Math.nextUp(0x1p-25f), 0x1p-24f};
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = i % 5 == 0 ? special[random.nextInt(special.length)] : (float) random.nextDouble(-3, 3);
        }
        return out;
    }

    private static float[] finite(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = (float) random.nextGaussian();
        }
        return out;
    }
}
