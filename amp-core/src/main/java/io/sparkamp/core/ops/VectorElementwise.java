package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.numeric.VectorCodes;
import io.sparkamp.core.tensor.Matrix;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static io.sparkamp.core.numeric.VectorCodes.FLOATS;
import static io.sparkamp.core.numeric.VectorCodes.INTS;
import static io.sparkamp.core.numeric.VectorCodes.LANES;

/**
 * The pointwise passes on the Vector API: values travel as int lanes (a float's bits or a 16-bit code)
 * and are rounded and converted with {@link VectorCodes}. Each loop is its own small method: C2 stops
 * inlining a compilation at a node budget, and a Vector API call it does not inline boxes every vector
 * (measured: a fused epilogue in one big method ran 10x slower). Rows narrower than a vector, the last
 * {@code size % LANES} elements and storage combinations the layers do not produce go to
 * {@link ScalarElementwise}, which computes the same bits. Loaded by name from {@link ElementwiseKernels}
 * only where the incubator module is present.
 */
final class VectorElementwise implements ElementwiseKernel {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Lane l holds 1 << l: a compare mask blended onto it and OR-reduced gives the mask's bits. */
    private static final IntVector BIT_OF_LANE = laneBits();
    private static final long LANE_MASK = LANES == 32 ? 0xffff_ffffL : (1L << LANES) - 1;
    /** Doubles per vector, and float/int/short species with as many lanes (for sums in double). */
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS_D = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INTS_D = VectorSpecies.of(int.class, FLOATS_D.vectorShape());
    private static final VectorSpecies<Short> SHORTS_D = VectorSpecies.of(short.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 4));

    private final ScalarElementwise scalar = new ScalarElementwise();

    private static IntVector laneBits() {
        int[] bits = new int[LANES];
        for (int l = 0; l < LANES; l++) {
            bits[l] = 1 << l;
        }
        return IntVector.fromArray(INTS, bits, 0);
    }

    @Override
    public String name() {
        return "vector (" + LANES + " lanes)";
    }

    @Override
    public void biasEpilogue(Matrix product, Precision matmul, float[] bias, int biasOff, Precision pointwise, Matrix out,
                             long[] relu) {
        int cols = product.cols();
        int rows = product.rows();
        if (cols < LANES) {
            scalar.biasEpilogue(product, matmul, bias, biasOff, pointwise, out, relu);
            return;
        }
        if (relu != null) {
            java.util.Arrays.fill(relu, 0, (rows * cols + 63) >>> 6, 0L);
        }
        int vectorCols = cols - cols % LANES;
        boolean bf16 = matmul == Precision.BF16 && pointwise == Precision.BF16;
        for (int r = 0; r < rows; r++) {
            if (bf16 && out.storage() == Precision.BF16) {
                epilogueRowBf16Codes(product.buffer(), out.buffer(), r * cols, vectorCols, bias, biasOff, relu);
            } else if (matmul == Precision.FP32 && pointwise == Precision.FP32 && out.storage() == Precision.FP32) {
                epilogueRowFp32(product.buffer(), out.buffer(), r * cols, vectorCols, bias, biasOff, relu);
            } else if (matmul == Precision.FP16 && pointwise == Precision.FP16 && out.storage() == Precision.FP32) {
                epilogueRowFp16Floats(product.buffer(), out.buffer(), r * cols, vectorCols, bias, biasOff, relu);
            } else if (bf16 && out.storage() == Precision.FP32) {
                roundBf16AddBias(product.buffer(), r * cols, out.buffer(), r * cols, vectorCols, bias, biasOff);
                roundBf16Relu(out.buffer(), r * cols, vectorCols, relu);
            } else {
                epilogueRow(product.buffer(), out.buffer(), out.storage(), r * cols, vectorCols, bias, biasOff, matmul, pointwise, relu);
            }
        }
        if (vectorCols < cols) {
            for (int r = 0; r < rows; r++) {
                epilogueTail(product, out, r * cols + vectorCols, cols - vectorCols, bias, biasOff + vectorCols, matmul, pointwise, relu);
            }
        }
    }

    private static void epilogueRow(ByteBuffer c, ByteBuffer o, Precision storage, int base, int width, float[] bias, int biasOff,
                                    Precision matmul, Precision pointwise, long[] relu) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = VectorCodes.roundBits(matmul, VectorCodes.loadFloats(c, i).reinterpretAsInts());
            FloatVector sum = bits.reinterpretAsFloats().add(FloatVector.fromArray(FLOATS, bias, biasOff + j));
            bits = VectorCodes.roundBits(pointwise, sum.reinterpretAsInts());
            if (relu != null) {
                VectorMask<Integer> positive = positive(bits, Precision.FP32);
                bits = IntVector.zero(INTS).blend(bits, positive);
                orMaskBits(relu, i, positive);
            }
            storeExact(o, storage, i, bits);
        }
    }

    /*
     * The loops below are the hot cases written out in full, without calls to helpers: C2 will not inline a
     * helper it has already compiled on its own into a big method (which happens when the interpreter and C1
     * call it often while the loop warms up), and every vector crossing such a call is boxed. Measured: the
     * same epilogue 3-5x slower, in some runs and not others, depending on compile order.
     */

    /** BF16 run, native 16-bit matmul: round the product to BF16, add the bias, round again, keep the codes (one loop: it measured faster than two through a scratch row). */
    private static void epilogueRowBf16Codes(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff, long[] relu) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, c, i * 4, ORDER).reinterpretAsInts();
            IntVector product = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).and(0xffff_0000);
            product = product.blend(bits.and(0xffff_0000).or(0x0040_0000), bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
            IntVector sum = product.reinterpretAsFloats().add(FloatVector.fromArray(FLOATS, bias, biasOff + j)).reinterpretAsInts();
            IntVector codes = sum.add(sum.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
            // A NaN sum (only from a NaN or infinite operand): keep it a NaN code.
            codes = codes.blend(sum.lanewise(VectorOperators.LSHR, 16).or(0x0040), sum.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
            if (relu != null) {
                VectorMask<Integer> positive = codes.and(0xffff).compare(VectorOperators.GT, 0)
                        .and(codes.and(0xffff).compare(VectorOperators.LE, 0x7f80));
                codes = IntVector.zero(INTS).blend(codes, positive);
                long laneBits = IntVector.zero(INTS).blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
                relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
                if ((i & 63) + LANES > 64) {
                    relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
                }
            }
            ((ShortVector) codes.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(o, i * 2, ORDER);
        }
    }

    /*
     * The epilogues that keep FP32 values are two small row loops each (round the product and add the bias; round
     * the sum, the ReLU and its mask) over a row that stays in L1 between them, rather than one: the fused loop sat near
     * C2's inlining node budget, and in runs where it went over, its last Vector API calls were left as calls on
     * boxed vectors (measured: the FP16 epilogue 5-6x slower in some whole runs, depending on compile order).
     */

    /** dst[dstBase..] = round_bf16(c[base..]) + bias, in FP32, not yet rounded. */
    private static void roundBf16AddBias(ByteBuffer c, int base, ByteBuffer dst, int dstBase, int width, float[] bias, int biasOff) {
        for (int j = 0; j < width; j += LANES) {
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, c, (base + j) * 4, ORDER).reinterpretAsInts();
            IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).and(0xffff_0000);
            IntVector nan = bits.and(0xffff_0000); // VectorCodes.roundBf16, written out
            nan = nan.blend(nan.or(0x0040_0000), nan.and(0x007f_0000).compare(VectorOperators.EQ, 0));
            rounded.blend(nan, bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000)).reinterpretAsFloats()
                    .add(FloatVector.fromArray(FLOATS, bias, biasOff + j)).intoByteBuffer(dst, (dstBase + j) * 4, ORDER);
        }
    }

    /** o = round_bf16(o) as floats (a BF16 run computing in FP32), then the ReLU and its mask bits when {@code relu} is not null. */
    private static void roundBf16Relu(ByteBuffer o, int base, int width, long[] relu) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, o, i * 4, ORDER).reinterpretAsInts();
            IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).and(0xffff_0000);
            IntVector nan = bits.and(0xffff_0000);
            nan = nan.blend(nan.or(0x0040_0000), nan.and(0x007f_0000).compare(VectorOperators.EQ, 0));
            bits = rounded.blend(nan, bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
            if (relu != null) {
                VectorMask<Integer> positive = bits.compare(VectorOperators.GT, 0).and(bits.compare(VectorOperators.LE, 0x7f80_0000));
                bits = IntVector.zero(INTS).blend(bits, positive);
                long laneBits = IntVector.zero(INTS).blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
                relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
                if ((i & 63) + LANES > 64) {
                    relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
                }
            }
            bits.reinterpretAsFloats().intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** FP16 run computing in FP32: round the product to FP16 (by the FPU, as VectorCodes.roundFp16), add the bias, round again. */
    private static void epilogueRowFp16Floats(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff, long[] relu) {
        roundFp16AddBias(c, o, base, width, bias, biasOff);
        roundFp16Relu(o, base, width, relu);
    }

    /** o = round_fp16(c) + bias, not yet rounded. */
    private static void roundFp16AddBias(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, c, i * 4, ORDER).reinterpretAsInts();
            IntVector abs = bits.and(0x7fff_ffff);
            FloatVector magic = abs.and(0x7f80_0000).max(0x3880_0000).min(0x4700_0000).add(0x06c0_0000).reinterpretAsFloats();
            IntVector rounded = abs.reinterpretAsFloats().add(magic).sub(magic).mul(0x1p112f).mul(0x1p-112f).reinterpretAsInts();
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, 0x7f80_0000);
            if (isNan.anyTrue()) {
                IntVector payload = abs.and(0x007f_e000);
                rounded = rounded.blend(payload.blend(0x0040_0000, payload.compare(VectorOperators.EQ, 0)).or(0x7f80_0000), isNan);
            }
            rounded.or(bits.and(0x8000_0000)).reinterpretAsFloats().add(FloatVector.fromArray(FLOATS, bias, biasOff + j))
                    .intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** o = round_fp16(o), then the ReLU and its mask bits when {@code relu} is not null. */
    private static void roundFp16Relu(ByteBuffer o, int base, int width, long[] relu) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, o, i * 4, ORDER).reinterpretAsInts();
            IntVector abs = bits.and(0x7fff_ffff);
            FloatVector magic = abs.and(0x7f80_0000).max(0x3880_0000).min(0x4700_0000).add(0x06c0_0000).reinterpretAsFloats();
            IntVector rounded = abs.reinterpretAsFloats().add(magic).sub(magic).mul(0x1p112f).mul(0x1p-112f).reinterpretAsInts();
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, 0x7f80_0000);
            if (isNan.anyTrue()) {
                IntVector payload = abs.and(0x007f_e000);
                rounded = rounded.blend(payload.blend(0x0040_0000, payload.compare(VectorOperators.EQ, 0)).or(0x7f80_0000), isNan);
            }
            bits = rounded.or(bits.and(0x8000_0000));
            if (relu != null) {
                VectorMask<Integer> positive = bits.compare(VectorOperators.GT, 0).and(bits.compare(VectorOperators.LE, 0x7f80_0000));
                bits = IntVector.zero(INTS).blend(bits, positive);
                long laneBits = IntVector.zero(INTS).blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
                relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
                if ((i & 63) + LANES > 64) {
                    relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
                }
            }
            bits.reinterpretAsFloats().intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** FP32 run: add the bias. */
    private static void epilogueRowFp32(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff, long[] relu) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            FloatVector sum = FloatVector.fromByteBuffer(FLOATS, c, i * 4, ORDER).add(FloatVector.fromArray(FLOATS, bias, biasOff + j));
            if (relu != null) {
                IntVector bits = sum.reinterpretAsInts();
                VectorMask<Integer> positive = bits.compare(VectorOperators.GT, 0).and(bits.compare(VectorOperators.LE, 0x7f80_0000));
                sum = IntVector.zero(INTS).blend(bits, positive).reinterpretAsFloats();
                long laneBits = IntVector.zero(INTS).blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
                relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
                if ((i & 63) + LANES > 64) {
                    relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
                }
            }
            sum.intoByteBuffer(o, i * 4, ORDER);
        }
    }

    private void epilogueTail(Matrix product, Matrix out, int first, int width, float[] bias, int biasOff, Precision matmul,
                              Precision pointwise, long[] relu) {
        long[] rowMask = relu == null ? null : new long[(width + 63) >>> 6];
        scalar.biasEpilogue(product.slice(first, 1, width), matmul, bias, biasOff, pointwise, out.slice(first, 1, width), rowMask);
        for (int t = 0; rowMask != null && t < width; t++) {
            if ((rowMask[t >>> 6] & (1L << t)) != 0) {
                relu[(first + t) >>> 6] |= 1L << (first + t);
            }
        }
    }

    @Override
    public void relu(Matrix in, Precision roundTo, Matrix out, long[] positive) {
        Precision storage = in.storage();
        int count = in.size();
        if (out.storage() != storage || count < 64) {
            scalar.relu(in, roundTo, out, positive);
            return;
        }
        int vectorEnd = count - count % 64; // whole mask words in vectors, the last partial word scalar
        Precision rounding = storage.isLow() || in.isExactIn(roundTo) ? Precision.FP32 : roundTo;
        reluWords(in.buffer(), out.buffer(), storage, rounding, vectorEnd, positive);
        if (vectorEnd < count) {
            long[] last = new long[1];
            scalar.relu(in.slice(vectorEnd, 1, count - vectorEnd), roundTo, out.slice(vectorEnd, 1, count - vectorEnd), last);
            positive[vectorEnd >>> 6] = last[0];
        }
    }

    /** Codes stay codes (ReLU of a 16-bit value is one); FP32 values are rounded to {@code rounding}. */
    private static void reluWords(ByteBuffer src, ByteBuffer dst, Precision storage, Precision rounding, int end, long[] positive) {
        for (int word = 0; word < end; word += 64) {
            long bits = 0;
            for (int i = word; i < word + 64; i += LANES) {
                IntVector v = loadLanes(src, storage, i);
                VectorMask<Integer> pos = positive(v, storage);
                storeLanes(dst, storage, rounding, i, IntVector.zero(INTS).blend(v, pos));
                bits |= laneBits(pos) << (i - word);
            }
            positive[word >>> 6] = bits;
        }
    }

    @Override
    public void maskScale(Matrix in, long[] mask, float scale, Precision roundTo, Matrix out) {
        int count = in.size();
        Precision from = in.storage();
        Precision to = out.storage();
        int vectorEnd = count - count % 64;
        if (scale == 1f && from == to && in.isExactIn(roundTo)) {
            maskLanes(in.buffer(), out.buffer(), from, vectorEnd, mask);
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.BF16) {
            maskRoundBf16Codes(in.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.FP32 && roundTo == Precision.FP16) {
            maskRoundFp16Floats(in.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.FP32 && roundTo == Precision.BF16) {
            maskRoundBf16Floats(in.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32) {
            maskScaleFloats(in.buffer(), out.buffer(), to, roundTo, scale, vectorEnd, mask);
        } else {
            vectorEnd = 0;
        }
        if (vectorEnd < count) {
            long[] rest = java.util.Arrays.copyOfRange(mask, vectorEnd >>> 6, (count + 63) >>> 6);
            scalar.maskScale(in.slice(vectorEnd, 1, count - vectorEnd), rest, scale, roundTo, out.slice(vectorEnd, 1, count - vectorEnd));
        }
    }

    /** Masking alone is exact: the raw lanes (codes or float bits) move as they are. */
    private static void maskLanes(ByteBuffer src, ByteBuffer dst, Precision storage, int end, long[] mask) {
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.and((int) (bits >>> (i - word))).compare(VectorOperators.NE, 0);
                storeLanes(dst, storage, Precision.FP32, i, IntVector.zero(INTS).blend(loadLanes(src, storage, i), set));
            }
        }
    }

    /** FP32 values where the mask is set, as BF16 codes, 0 elsewhere: an input gradient rounded and ReLU-masked in one pass. */
    private static void maskRoundBf16Codes(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.and((int) (bits >>> (i - word))).compare(VectorOperators.NE, 0);
                IntVector v = FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretAsInts();
                IntVector top = v.lanewise(VectorOperators.LSHR, 16);
                IntVector codes = v.add(top.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
                IntVector nan = top.blend(top.or(0x0040), top.and(0x7f).compare(VectorOperators.EQ, 0));
                codes = codes.blend(nan, v.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
                codes = IntVector.zero(INTS).blend(codes, set);
                ((ShortVector) codes.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(dst, i * 2, ORDER);
            }
        }
    }

    /** FP32 values where the mask is set, rounded to BF16 but kept as floats, 0 elsewhere. */
    private static void maskRoundBf16Floats(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        for (int word = 0; word < end; word += 64) {
            long words = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.and((int) (words >>> (i - word))).compare(VectorOperators.NE, 0);
                IntVector bits = FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretAsInts();
                IntVector rounded = bits.add(bits.lanewise(VectorOperators.LSHR, 16).and(1)).add(0x7fff).and(0xffff_0000);
                IntVector nan = bits.and(0xffff_0000); // VectorCodes.roundBf16, written out
                nan = nan.blend(nan.or(0x0040_0000), nan.and(0x007f_0000).compare(VectorOperators.EQ, 0));
                rounded = rounded.blend(nan, bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
                IntVector.zero(INTS).blend(rounded, set).reinterpretAsFloats().intoByteBuffer(dst, i * 4, ORDER);
            }
        }
    }

    /** FP32 values where the mask is set, rounded to FP16 but kept as floats, 0 elsewhere. */
    private static void maskRoundFp16Floats(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        for (int word = 0; word < end; word += 64) {
            long words = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.and((int) (words >>> (i - word))).compare(VectorOperators.NE, 0);
                IntVector bits = FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretAsInts();
                IntVector abs = bits.and(0x7fff_ffff); // VectorCodes.roundFp16, written out
                FloatVector magic = abs.and(0x7f80_0000).max(0x3880_0000).min(0x4700_0000).add(0x06c0_0000).reinterpretAsFloats();
                IntVector rounded = abs.reinterpretAsFloats().add(magic).sub(magic).mul(0x1p112f).mul(0x1p-112f).reinterpretAsInts();
                VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, 0x7f80_0000);
                if (isNan.anyTrue()) {
                    IntVector payload = abs.and(0x007f_e000);
                    rounded = rounded.blend(payload.blend(0x0040_0000, payload.compare(VectorOperators.EQ, 0)).or(0x7f80_0000), isNan);
                }
                rounded = rounded.or(bits.and(0x8000_0000));
                IntVector.zero(INTS).blend(rounded, set).reinterpretAsFloats().intoByteBuffer(dst, i * 4, ORDER);
            }
        }
    }

    /** FP32 values scaled, rounded to {@code roundTo} and stored as {@code to} (codes or floats). */
    private static void maskScaleFloats(ByteBuffer src, ByteBuffer dst, Precision to, Precision roundTo, float scale, int end,
                                        long[] mask) {
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.and((int) (bits >>> (i - word))).compare(VectorOperators.NE, 0);
                IntVector v = VectorCodes.loadFloats(src, i).mul(scale).reinterpretAsInts();
                storeExact(dst, to, i, IntVector.zero(INTS).blend(VectorCodes.roundBits(roundTo, v), set));
            }
        }
    }

    @Override
    public CastCounts convert(Matrix in, Precision roundTo, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % LANES;
        long[] counts = new long[2];
        if (in == out) {
            countLanes(in.buffer(), in.storage(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.FP32 && roundTo == Precision.FP16) {
            convertFloatsFp16(in.buffer(), out.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.BF16 && roundTo == Precision.BF16) {
            convertFloatsBf16Codes(in.buffer(), out.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32) {
            convertFloats(in.buffer(), out.buffer(), out.storage(), roundTo, vectorEnd, counts);
        } else if (out.storage() == Precision.FP32 && (roundTo == Precision.FP32 || roundTo == in.storage())) {
            widenCodes(in.buffer(), out.buffer(), in.storage(), vectorEnd, counts);
        } else {
            vectorEnd = 0;
        }
        if (vectorEnd < count) {
            Matrix restIn = in.slice(vectorEnd, 1, count - vectorEnd);
            CastCounts rest = scalar.convert(restIn, roundTo, in == out ? restIn : out.slice(vectorEnd, 1, count - vectorEnd));
            counts[0] += rest.nonZero();
            counts[1] += rest.underflowed();
        }
        return new CastCounts(counts[0], counts[1]);
    }

    /** 16-bit codes widened exactly to FP32 (e.g. FP16 rows for an FP32 multiply); nothing can vanish. */
    private static void widenCodes(ByteBuffer src, ByteBuffer dst, Precision storage, int end, long[] counts) {
        IntVector nonZero = IntVector.zero(INTS);
        boolean fp16 = storage == Precision.FP16;
        for (int i = 0; i < end; i += LANES) {
            IntVector codes = ((IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, i * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0)).and(0xffff);
            IntVector magnitude = codes.and(0x7fff);
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, magnitude.compare(VectorOperators.NE, 0));
            IntVector bits;
            if (fp16) { // re-bias normals, scale subnormals exactly, widen infinity and NaN payloads
                IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
                bits = shifted.add(0x3800_0000).blend(shifted.add(0x7000_0000), magnitude.compare(VectorOperators.GE, 0x7c00));
                bits = bits.blend(((FloatVector) magnitude.convert(VectorOperators.I2F, 0)).mul(0x1p-24f).reinterpretAsInts(),
                        magnitude.compare(VectorOperators.LT, 0x0400));
                bits = bits.or(codes.and(0x8000).lanewise(VectorOperators.LSHL, 16));
            } else {
                bits = codes.lanewise(VectorOperators.LSHL, 16);
            }
            bits.reinterpretAsFloats().intoByteBuffer(dst, i * 4, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    /** Non-zero values of exact lanes: none of them can vanish. */
    private static void countLanes(ByteBuffer src, Precision storage, int end, long[] counts) {
        int magnitude = storage.isLow() ? 0x7fff : 0x7fff_ffff;
        IntVector nonZero = IntVector.zero(INTS);
        for (int i = 0; i < end; i += LANES) {
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, loadLanes(src, storage, i).and(magnitude).compare(VectorOperators.NE, 0));
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    /** FP32 values rounded to {@code roundTo}, stored as {@code to}; counts the non-zero values and those that became zero. */
    /*
     * The two casts the layers run most (an FP16 run's FP32 inputs and loss gradient kept as rounded floats; a
     * BF16 run's as codes) written out, without the helper calls of the general loop below: inference converts
     * every input batch this way, and with the helpers the fp16 forward pass ran at 0.4x fp32's.
     */

    /** FP32 values rounded to FP16 but kept as floats, with the non-zero and underflow counts. */
    private static void convertFloatsFp16(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        IntVector nonZero = IntVector.zero(INTS);
        IntVector underflowed = IntVector.zero(INTS);
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretAsInts();
            IntVector abs = bits.and(0x7fff_ffff); // VectorCodes.roundFp16, written out
            FloatVector magic = abs.and(0x7f80_0000).max(0x3880_0000).min(0x4700_0000).add(0x06c0_0000).reinterpretAsFloats();
            IntVector rounded = abs.reinterpretAsFloats().add(magic).sub(magic).mul(0x1p112f).mul(0x1p-112f).reinterpretAsInts();
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, 0x7f80_0000);
            if (isNan.anyTrue()) {
                IntVector payload = abs.and(0x007f_e000);
                rounded = rounded.blend(payload.blend(0x0040_0000, payload.compare(VectorOperators.EQ, 0)).or(0x7f80_0000), isNan);
            }
            VectorMask<Integer> isNonZero = abs.compare(VectorOperators.NE, 0);
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, isNonZero);
            underflowed = underflowed.lanewise(VectorOperators.ADD, 1, isNonZero.and(rounded.compare(VectorOperators.EQ, 0)));
            rounded.or(bits.and(0x8000_0000)).reinterpretAsFloats().intoByteBuffer(dst, i * 4, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
        counts[1] += underflowed.reduceLanesToLong(VectorOperators.ADD);
    }

    /** FP32 values as BF16 codes, with the non-zero and underflow counts. */
    private static void convertFloatsBf16Codes(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        IntVector nonZero = IntVector.zero(INTS);
        IntVector underflowed = IntVector.zero(INTS);
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretAsInts();
            IntVector top = bits.lanewise(VectorOperators.LSHR, 16); // VectorCodes.encodeBf16, written out
            IntVector codes = bits.add(top.and(1)).add(0x7fff).lanewise(VectorOperators.LSHR, 16);
            IntVector nanCode = top.blend(top.or(0x0040), top.and(0x7f).compare(VectorOperators.EQ, 0));
            codes = codes.blend(nanCode, bits.and(0x7fff_ffff).compare(VectorOperators.GT, 0x7f80_0000));
            VectorMask<Integer> isNonZero = bits.and(0x7fff_ffff).compare(VectorOperators.NE, 0);
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, isNonZero);
            underflowed = underflowed.lanewise(VectorOperators.ADD, 1, isNonZero.and(codes.and(0x7fff).compare(VectorOperators.EQ, 0)));
            ((ShortVector) codes.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(dst, i * 2, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
        counts[1] += underflowed.reduceLanesToLong(VectorOperators.ADD);
    }

    private static void convertFloats(ByteBuffer src, ByteBuffer dst, Precision to, Precision roundTo, int end, long[] counts) {
        IntVector nonZero = IntVector.zero(INTS);
        IntVector underflowed = IntVector.zero(INTS);
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = VectorCodes.loadFloats(src, i).reinterpretAsInts();
            IntVector rounded = VectorCodes.roundBits(roundTo, bits);
            storeExact(dst, to, i, rounded);
            VectorMask<Integer> isNonZero = bits.and(0x7fff_ffff).compare(VectorOperators.NE, 0);
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, isNonZero);
            underflowed = underflowed.lanewise(VectorOperators.ADD, 1,
                    isNonZero.and(rounded.and(0x7fff_ffff).compare(VectorOperators.EQ, 0)));
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
        counts[1] += underflowed.reduceLanesToLong(VectorOperators.ADD);
    }

    @Override
    public long addColumnSums(Matrix in, Matrix dst) {
        int cols = in.cols();
        int rows = in.rows();
        int lanes = DOUBLES.length();
        int vectorCols = cols - cols % lanes;
        long nonZero = 0;
        ByteBuffer d = dst.buffer();
        // Column strips held in registers down all the rows: each column's sum still adds the rows in order.
        for (int j = 0; j < vectorCols; j += lanes) {
            nonZero += in.storage() == Precision.BF16 ? sumStripBf16(in.buffer(), rows, cols, j, d)
                    : in.storage() == Precision.FP32 ? sumStripFp32(in.buffer(), rows, cols, j, d)
                    : sumStrip(in.buffer(), in.storage(), rows, cols, j, d);
        }
        for (int j = vectorCols; j < cols; j++) {
            double sum = 0;
            for (int r = 0; r < rows; r++) {
                float v = in.get(r * cols + j);
                sum += v;
                nonZero += v != 0f ? 1 : 0;
            }
            d.putFloat(j * 4, (float) (d.getFloat(j * 4) + sum));
        }
        return nonZero;
    }

    private static long sumStripFp32(ByteBuffer src, int rows, int cols, int j, ByteBuffer dst) {
        DoubleVector sum = DoubleVector.zero(DOUBLES);
        IntVector nonZero = IntVector.zero(INTS_D);
        for (int r = 0; r < rows; r++) {
            FloatVector x = FloatVector.fromByteBuffer(FLOATS_D, src, (r * cols + j) * 4, ORDER);
            sum = sum.add((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0));
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, x.reinterpretAsInts().and(0x7fff_ffff).compare(VectorOperators.NE, 0));
        }
        addStrip(dst, j, sum);
        return nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    private static long sumStripBf16(ByteBuffer src, int rows, int cols, int j, ByteBuffer dst) {
        DoubleVector sum = DoubleVector.zero(DOUBLES);
        IntVector nonZero = IntVector.zero(INTS_D);
        for (int r = 0; r < rows; r++) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(SHORTS_D, src, (r * cols + j) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS_D, 0);
            FloatVector x = codes.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
            sum = sum.add((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0));
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, codes.and(0x7fff).compare(VectorOperators.NE, 0));
        }
        addStrip(dst, j, sum);
        return nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    private static long sumStrip(ByteBuffer src, Precision storage, int rows, int cols, int j, ByteBuffer dst) {
        DoubleVector sum = DoubleVector.zero(DOUBLES);
        IntVector nonZero = IntVector.zero(INTS_D);
        for (int r = 0; r < rows; r++) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(SHORTS_D, src, (r * cols + j) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS_D, 0);
            FloatVector x = VectorCodes.decode(storage, codes).reinterpretAsFloats();
            sum = sum.add((DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0));
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, codes.and(0x7fff).compare(VectorOperators.NE, 0));
        }
        addStrip(dst, j, sum);
        return nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    /** dst[j..j + lanes) += the strip's sums, each rounded once to float. */
    private static void addStrip(ByteBuffer dst, int j, DoubleVector sum) {
        for (int l = 0; l < DOUBLES.length(); l++) {
            int at = (j + l) * 4;
            dst.putFloat(at, (float) (dst.getFloat(at) + sum.lane(l)));
        }
    }

    /** Lanes holding a positive value (infinity included; NaN, both zeros and negatives not), bits compared as signed ints. */
    private static VectorMask<Integer> positive(IntVector bits, Precision storage) {
        int infinity = storage == Precision.FP16 ? 0x7c00 : storage == Precision.BF16 ? 0x7f80 : 0x7f80_0000;
        return bits.compare(VectorOperators.GT, 0).and(bits.compare(VectorOperators.LE, infinity));
    }

    /** The mask as bits, lane l at bit l. */
    private static long laneBits(VectorMask<Integer> mask) {
        return IntVector.zero(INTS).blend(BIT_OF_LANE, mask).reduceLanes(VectorOperators.OR) & LANE_MASK;
    }

    /** ORs the bits of {@code mask} into {@code words} at element {@code i}, which may start anywhere. */
    private static void orMaskBits(long[] words, int i, VectorMask<Integer> mask) {
        orBits(words, i, laneBits(mask));
    }

    /** ORs {@code bits} (one per lane) into {@code words} at element {@code i}: two words when the lanes straddle them. */
    private static void orBits(long[] words, int i, long bits) {
        int shift = i & 63;
        words[i >>> 6] |= bits << shift;
        if (shift + LANES > 64) {
            words[(i >>> 6) + 1] |= bits >>> (64 - shift);
        }
    }

    /** The raw lanes: 16-bit codes (sign-extended) or float bits. */
    private static IntVector loadLanes(ByteBuffer b, Precision storage, int i) {
        return storage.isLow() ? VectorCodes.loadCodes(b, i) : VectorCodes.loadFloats(b, i).reinterpretAsInts();
    }

    /** Stores raw lanes: codes as they are, float bits rounded to {@code roundTo} on the way. */
    private static void storeLanes(ByteBuffer b, Precision storage, Precision roundTo, int i, IntVector lanes) {
        if (storage.isLow()) {
            VectorCodes.storeCodes(lanes, b, i);
        } else {
            VectorCodes.storeFloats(VectorCodes.roundBits(roundTo, lanes).reinterpretAsFloats(), b, i);
        }
    }

    /** Stores float bits already exact in {@code storage}: as codes (no rounding left to do) or as floats. */
    private static void storeExact(ByteBuffer b, Precision storage, int i, IntVector bits) {
        if (storage.isLow()) {
            VectorCodes.storeCodes(VectorCodes.encodeExact(storage, bits), b, i);
        } else {
            VectorCodes.storeFloats(bits.reinterpretAsFloats(), b, i);
        }
    }
}
