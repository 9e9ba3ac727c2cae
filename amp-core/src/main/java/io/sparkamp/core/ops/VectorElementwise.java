package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.LowPrecisionBuffers;
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

import static jdk.incubator.vector.VectorOperators.ADD;
import static jdk.incubator.vector.VectorOperators.AND;
import static jdk.incubator.vector.VectorOperators.MAX;
import static jdk.incubator.vector.VectorOperators.MIN;
import static jdk.incubator.vector.VectorOperators.MUL;
import static jdk.incubator.vector.VectorOperators.OR;
import static jdk.incubator.vector.VectorOperators.SUB;
import static io.sparkamp.core.numeric.VectorCodes.FLOATS;
import static io.sparkamp.core.numeric.VectorCodes.INTS;
import static io.sparkamp.core.numeric.VectorCodes.LANES;

/**
 * The pointwise passes on the Vector API: values travel as int lanes (a float's bits or a 16-bit code)
 * and are rounded and converted with {@link VectorCodes}. Each loop is its own small method: C2 stops
 * inlining a compilation at a node budget, and a Vector API call it does not inline boxes every vector
 * (measured: a fused epilogue in one big method ran 10x slower). The bias epilogue of rows narrower than a
 * vector runs over the matrix as one long row, the bias repeated per row. Matrices smaller than a vector,
 * the last {@code size % LANES} elements and storage combinations the layers do not produce go to
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
    /** Whether Reductions' eight partial sums are one vector of double lanes or two (8 or 4 lanes). */
    private static final boolean EIGHT_PARTIAL_SUMS = DOUBLES.length() == 8 || DOUBLES.length() == 4;

    /** Each thread's buffer for 16-bit codes widened to floats: FP16 ones before their column sums, dropout's scaled codes. */
    private static final ThreadLocal<ByteBuffer> WIDE_SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(0));
    /** Each thread's floats between the two loops of an FP16-codes epilogue (the sums before their rounding). */
    private static final ThreadLocal<ByteBuffer> ROW_SCRATCH = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(0));
    /** A narrow layer's bias repeated once per row, so its epilogue runs over the matrix as one long row. */
    private static final ThreadLocal<float[]> BIAS_ROWS = ThreadLocal.withInitial(() -> new float[0]);
    /** Below this many columns, rows that are no whole number of vectors run as one long row (see biasEpilogue). */
    private static final int NARROW_COLS = 4 * LANES;
    /** Each thread's rounder sums between the two loops of the FP32 exponential. */
    private static final ThreadLocal<float[]> EXP_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

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
    public void biasEpilogue(Matrix product, float[] bias, int biasOff, Precision roundTo, Matrix out, boolean withRelu,
                             long[] positive) {
        int cols = product.cols();
        int rows = product.rows();
        if (cols % LANES != 0 && cols < NARROW_COLS && rows > 1 && (long) rows * cols >= LANES) {
            // Narrow rows that are no whole number of vectors (a classifier's last layer: 10 columns are 8 + 2 with
            // AVX2): one row of rows x cols values, its bias repeated, instead of a scalar tail sliced out of every row.
            bias = biasRows(bias, biasOff, cols, rows);
            biasOff = 0;
            cols = rows * cols;
            rows = 1;
        }
        Precision storage = out.storage();
        // The ReLU without its bits is written for codes only (the layers keep no bits only for a 16-bit output).
        if (cols < LANES || withRelu && positive == null && !storage.isLow()) {
            scalar.biasEpilogue(product, bias, biasOff, roundTo, out, withRelu, positive);
            return;
        }
        long[] relu = positive;
        if (relu != null) {
            java.util.Arrays.fill(relu, 0, (rows * cols + 63) >>> 6, 0L);
        }
        int vectorCols = cols - cols % LANES;
        ByteBuffer c = product.buffer();
        ByteBuffer o = out.buffer();
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            if (storage == Precision.BF16) {
                epilogueRowBf16Codes(c, o, base, vectorCols, bias, biasOff, withRelu, relu);
            } else if (storage == Precision.FP16) {
                // Two loops through a scratch row: as one (sum, FP16 rounding, ReLU, encoding) C2 stopped inlining
                // within it in some JVMs and boxed every vector (VectorBoxingCheck: 5 MB per 512x512 call).
                ByteBuffer sums = rowScratch(base + vectorCols);
                addBiasRow(c, sums, base, vectorCols, bias, biasOff);
                roundFp16ReluEncode(sums, o, base, vectorCols, withRelu, relu);
            } else if (roundTo == Precision.FP32 && relu != null) {
                addBiasReluRow(c, o, base, vectorCols, bias, biasOff, relu);
            } else if (roundTo == Precision.FP32) {
                addBiasRow(c, o, base, vectorCols, bias, biasOff);
            } else { // a 16-bit run computing in FP32: the sum, then rounded in place (the row is still in L1)
                addBiasRow(c, o, base, vectorCols, bias, biasOff);
                if (roundTo == Precision.BF16 && relu != null) {
                    roundBf16Relu(o, o, base, vectorCols, relu);
                } else if (roundTo == Precision.BF16) {
                    roundBf16Floats(o, o, base, vectorCols);
                } else if (relu != null) {
                    roundFp16Relu(o, o, base, vectorCols, relu);
                } else {
                    roundFp16Floats(o, o, base, vectorCols);
                }
            }
        }
        if (vectorCols < cols) {
            for (int r = 0; r < rows; r++) {
                epilogueTail(product, out, r * cols + vectorCols, cols - vectorCols, bias, biasOff + vectorCols, roundTo,
                        withRelu, relu);
            }
        }
    }

    /** {@code cols} values of {@code bias} from {@code biasOff}, once for each of {@code rows} rows, in the thread's array. */
    private static float[] biasRows(float[] bias, int biasOff, int cols, int rows) {
        int size = rows * cols;
        float[] repeated = BIAS_ROWS.get();
        if (repeated.length < size) {
            repeated = new float[size];
            BIAS_ROWS.set(repeated);
        }
        System.arraycopy(bias, biasOff, repeated, 0, cols);
        for (int filled = cols; filled < size; filled *= 2) {
            System.arraycopy(repeated, 0, repeated, filled, Math.min(filled, size - filled));
        }
        return repeated;
    }

    /**
     * Sums (floats in {@code s}) rounded to FP16, the ReLU applied (its bits kept where {@code relu} is not null)
     * and encoded as FP16 codes into {@code o}: the second loop of the FP16-codes epilogue.
     */
    private static void roundFp16ReluEncode(ByteBuffer s, ByteBuffer o, int base, int width, boolean withRelu, long[] relu) {
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7c00);
        IntVector codeSign = IntVector.broadcast(INTS, 0x8000);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        IntVector infinity = exponent;
        IntVector rebias = IntVector.broadcast(INTS, 0x3800_0000);
        IntVector minNormal = IntVector.broadcast(INTS, 0x3880_0000);
        FloatVector half = FloatVector.broadcast(FLOATS, 0.5f);
        IntVector halfBits = IntVector.broadcast(INTS, 0x3f00_0000);
        IntVector payloadBits = IntVector.broadcast(INTS, 0x3ff);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            FloatVector sum = FloatVector.fromByteBuffer(FLOATS, s, i * 4, ORDER);
            IntVector bits = (IntVector) sum.reinterpretShape(INTS, 0);
            IntVector abs = bits.lanewise(AND, absMask); // FP16 rounding of the sum (VectorCodes), written out
            FloatVector magic = (FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                    .lanewise(MIN, maxExponent)
                    .lanewise(ADD, magicOffset)
                    .reinterpretShape(FLOATS, 0);
            IntVector rounded = (IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                    .lanewise(SUB, magic).lanewise(MUL, up).lanewise(MUL, down).reinterpretShape(INTS, 0);
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
            if (isNan.anyTrue()) {
                IntVector payload = abs.lanewise(AND, nanPayload);
                rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                        .lanewise(OR, exponent), isNan);
            }
            bits = rounded.lanewise(OR, bits.lanewise(AND, signBit));
            if (withRelu) {
                VectorMask<Integer> positive = bits.compare(VectorOperators.GT, zero).and(bits.compare(VectorOperators.LE, infinity));
                bits = zero.blend(bits, positive);
                if (relu != null) { // the bits, unless the backward reads the output instead
                    long laneBits = zero.blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
                    relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
                    if ((i & 63) + LANES > 64) {
                        relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
                    }
                }
            }
            // The value is exact in FP16: re-bias a normal; a subnormal is its multiple of 2^-24; NaN stays NaN.
            abs = bits.lanewise(AND, absMask);
            IntVector code = abs.lanewise(SUB, rebias).lanewise(VectorOperators.LSHR, 13);
            IntVector subnormal = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, half)
                    .reinterpretShape(INTS, 0))
                    .lanewise(SUB, halfBits);
            code = code.blend(subnormal, abs.compare(VectorOperators.LT, minNormal));
            code = code.blend(infinityCode, abs.compare(VectorOperators.EQ, infinity));
            code = code.blend(abs.lanewise(VectorOperators.LSHR, 13).lanewise(AND, payloadBits).lanewise(OR, infinityCode),
                    abs.compare(VectorOperators.GT, infinity)); // the payload an FP16 NaN kept (never 0)
            code = code.lanewise(OR, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, codeSign));
            ((ShortVector) code.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(o, i * 2, ORDER);
        }
    }

    /** Each thread's floats between the two loops of an FP16-codes epilogue, indexed like the matrix. */
    private static ByteBuffer rowScratch(int size) {
        ByteBuffer row = ROW_SCRATCH.get();
        if (row.capacity() < size * 4) {
            row = ByteBuffer.allocateDirect(Math.max(size * 4, row.capacity() * 2)).order(ORDER);
            ROW_SCRATCH.set(row);
        }
        return row;
    }


    /*
     * The loops below are written out in full, without calls to methods of ours: C2 will not inline a method it
     * has already compiled on its own into a big method (which happens when the interpreter and C1 call it often
     * while the loop warms up), and every vector crossing such a call is boxed. Measured: the same epilogue 3-5x
     * slower, in some runs and not others, depending on compile order. (See VectorCodes for the other rules.)
     */

    /** BF16 codes out: add the bias to the FP32 product, round the sum to BF16 once, keep the codes (one loop). */
    private static void epilogueRowBf16Codes(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff,
            boolean withRelu, long[] relu) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector quietCode = IntVector.broadcast(INTS, 0x0040);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7f80);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector sum = ((IntVector) FloatVector.fromByteBuffer(FLOATS, c, i * 4, ORDER)
                    .lanewise(ADD, FloatVector.fromArray(FLOATS, bias, biasOff + j)).reinterpretShape(INTS, 0));
            IntVector codes = sum.lanewise(ADD, sum.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias)
                    .lanewise(VectorOperators.LSHR, 16); // 16 bits: a logical shift of 32
            // A NaN sum (only from a NaN or infinite operand): keep it a NaN code. Fixed only where there is one
            // (the test is one compare; the fix two more operations).
            VectorMask<Integer> nanSum = sum.lanewise(AND, absMask).compare(VectorOperators.GT, infinity);
            if (nanSum.anyTrue()) {
                codes = codes.blend(sum.lanewise(VectorOperators.LSHR, 16).lanewise(OR, quietCode), nanSum);
            }
            if (withRelu) {
                VectorMask<Integer> positive = codes.compare(VectorOperators.GT, zero).and(codes.compare(VectorOperators.LE, infinityCode));
                codes = zero.blend(codes, positive);
                if (relu != null) { // the bits, unless the backward reads the output instead
                    long laneBits = zero.blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
                    relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
                    if ((i & 63) + LANES > 64) {
                        relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
                    }
                }
            }
            ((ShortVector) codes.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(o, i * 2, ORDER);
        }
    }

    /*
     * The epilogues that round to 16 bits but keep FP32 values are two small row loops each (add the bias; round
     * the sum, the ReLU and its mask) over a row that stays in L1 between them, rather than one: a fused loop sat near
     * C2's inlining node budget, and in runs where it went over, its last Vector API calls were left as calls on
     * boxed vectors (measured: the FP16 epilogue 5-6x slower in some whole runs, depending on compile order).
     */

    /** o = round_bf16(src) as floats (a BF16 run computing in FP32), then the ReLU and its mask bits. */
    private static void roundBf16Relu(ByteBuffer src, ByteBuffer o, int base, int width, long[] relu) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector high = IntVector.broadcast(INTS, 0xffff_0000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x007f_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector rounded = bits.lanewise(ADD, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias).lanewise(AND, high);
            VectorMask<Integer> isNan = bits.lanewise(AND, absMask).compare(VectorOperators.GT, infinity);
            if (isNan.anyTrue()) { // NaN fixed only where there is one
                IntVector nan = bits.lanewise(AND, high);
                rounded = rounded.blend(nan.blend(nan.lanewise(OR, quietBit),
                        nan.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero)), isNan);
            }
            bits = rounded;
            VectorMask<Integer> positive = bits.compare(VectorOperators.GT, zero)
                    .and(bits.compare(VectorOperators.LE, infinity));
            bits = zero.blend(bits, positive);
            long laneBits = zero.blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
            relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
            if ((i & 63) + LANES > 64) {
                relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
            }
            ((FloatVector) bits.reinterpretShape(FLOATS, 0)).intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** o = round_bf16(src) as floats, no ReLU: a loop of its own, not a null-mask branch of the ReLU one (see addBiasReluRow). */
    private static void roundBf16Floats(ByteBuffer src, ByteBuffer o, int base, int width) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector high = IntVector.broadcast(INTS, 0xffff_0000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x007f_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector rounded = bits.lanewise(ADD, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias).lanewise(AND, high);
            VectorMask<Integer> isNan = bits.lanewise(AND, absMask).compare(VectorOperators.GT, infinity);
            if (isNan.anyTrue()) { // NaN fixed only where there is one
                IntVector nan = bits.lanewise(AND, high);
                rounded = rounded.blend(nan.blend(nan.lanewise(OR, quietBit),
                        nan.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero)), isNan);
            }
            bits = rounded;
            ((FloatVector) bits.reinterpretShape(FLOATS, 0)).intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** o = round_fp16(src) as floats, then the ReLU and its mask bits. */
    private static void roundFp16Relu(ByteBuffer src, ByteBuffer o, int base, int width, long[] relu) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector abs = bits.lanewise(AND, absMask);
            FloatVector magic = ((FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                    .lanewise(MIN, maxExponent)
                    .lanewise(ADD, magicOffset)
                    .reinterpretShape(FLOATS, 0));
            IntVector rounded = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                    .lanewise(SUB, magic).lanewise(MUL, up).lanewise(MUL, down).reinterpretShape(INTS, 0));
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
            if (isNan.anyTrue()) {
                IntVector payload = abs.lanewise(AND, nanPayload);
                rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                        .lanewise(OR, exponent), isNan);
            }
            bits = rounded.lanewise(OR, bits.lanewise(AND, signBit));
            VectorMask<Integer> positive = bits.compare(VectorOperators.GT, zero)
                    .and(bits.compare(VectorOperators.LE, exponent));
            bits = zero.blend(bits, positive);
            long laneBits = zero.blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
            relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
            if ((i & 63) + LANES > 64) {
                relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
            }
            ((FloatVector) bits.reinterpretShape(FLOATS, 0)).intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** o = round_fp16(src) as floats, no ReLU: a loop of its own, not a null-mask branch of the ReLU one (see addBiasReluRow). */
    private static void roundFp16Floats(ByteBuffer src, ByteBuffer o, int base, int width) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector abs = bits.lanewise(AND, absMask);
            FloatVector magic = ((FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                    .lanewise(MIN, maxExponent)
                    .lanewise(ADD, magicOffset)
                    .reinterpretShape(FLOATS, 0));
            IntVector rounded = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                    .lanewise(SUB, magic).lanewise(MUL, up).lanewise(MUL, down).reinterpretShape(INTS, 0));
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
            if (isNan.anyTrue()) {
                IntVector payload = abs.lanewise(AND, nanPayload);
                rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                        .lanewise(OR, exponent), isNan);
            }
            bits = rounded.lanewise(OR, bits.lanewise(AND, signBit));
            ((FloatVector) bits.reinterpretShape(FLOATS, 0)).intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /** o = c + bias: the whole FP32 epilogue without a ReLU, and the first loop of the ones that round. */
    private static void addBiasRow(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff) {
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            // lanewise(ADD), not add(): add's own call to lanewise has a type profile shared with the half-width
            // vectors of other loops, and a receiver C2 cannot type exactly is then boxed (VectorBoxingCheck).
            FloatVector.fromByteBuffer(FLOATS, c, i * 4, ORDER).lanewise(ADD, FloatVector.fromArray(FLOATS, bias,
                    biasOff + j)).intoByteBuffer(o, i * 4, ORDER);
        }
    }

    /**
     * FP32 run: o = max(c + bias, 0) and the mask bits. A loop of its own rather than a branch in addBiasRow: a
     * vector assigned in a branch that runs for some calls and not others is a merge C2 boxes (VectorBoxingCheck:
     * 4 MB per 512x512 call when one loop served both).
     */
    private static void addBiasReluRow(ByteBuffer c, ByteBuffer o, int base, int width, float[] bias, int biasOff,
            long[] relu) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int j = 0; j < width; j += LANES) {
            int i = base + j;
            IntVector bits = (IntVector) FloatVector.fromByteBuffer(FLOATS, c, i * 4, ORDER)
                    .lanewise(ADD, FloatVector.fromArray(FLOATS, bias, biasOff + j)).reinterpretShape(INTS, 0);
            VectorMask<Integer> positive = bits.compare(VectorOperators.GT, zero).and(bits.compare(VectorOperators.LE, infinity));
            ((FloatVector) zero.blend(bits, positive).reinterpretShape(FLOATS, 0)).intoByteBuffer(o, i * 4, ORDER);
            long laneBits = zero.blend(BIT_OF_LANE, positive).reduceLanes(VectorOperators.OR) & LANE_MASK;
            relu[i >>> 6] |= laneBits << (i & 63); // written out: a call here spills every live vector
            if ((i & 63) + LANES > 64) {
                relu[(i >>> 6) + 1] |= laneBits >>> (64 - (i & 63));
            }
        }
    }

    private void epilogueTail(Matrix product, Matrix out, int first, int width, float[] bias, int biasOff, Precision roundTo,
                              boolean withRelu, long[] relu) {
        long[] rowMask = relu == null ? null : new long[(width + 63) >>> 6];
        scalar.biasEpilogue(product.slice(first, 1, width), bias, biasOff, roundTo, out.slice(first, 1, width), withRelu,
                rowMask);
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
        if (storage.isLow()) { // ReLU of a 16-bit value is one: codes stay codes
            reluCodes(in.buffer(), out.buffer(), storage == Precision.FP16 ? 0x7c00 : 0x7f80, vectorEnd, positive);
        } else if (in.isExactIn(roundTo)) {
            reluFloats(in.buffer(), out.buffer(), vectorEnd, positive);
        } else { // FP32 values still to be rounded (a sum the GEMM added the bias to): round, then the ReLU
            java.util.Arrays.fill(positive, 0, vectorEnd >>> 6, 0L);
            if (roundTo == Precision.BF16) {
                roundBf16Relu(in.buffer(), out.buffer(), 0, vectorEnd, positive);
            } else {
                roundFp16Relu(in.buffer(), out.buffer(), 0, vectorEnd, positive);
            }
        }
        if (vectorEnd < count) {
            long[] last = new long[1];
            scalar.relu(in.slice(vectorEnd, 1, count - vectorEnd), roundTo, out.slice(vectorEnd, 1, count - vectorEnd), last);
            positive[vectorEnd >>> 6] = last[0];
        }
    }

    /** max(code, 0) of 16-bit codes, with the mask bit of every positive one (infinity included, NaN not). */
    private static void reluCodes(ByteBuffer src, ByteBuffer dst, int infinityCode, int end, long[] positive) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, infinityCode);
        for (int word = 0; word < end; word += 64) {
            long bits = 0;
            for (int i = word; i < word + 64; i += LANES) {
                IntVector v = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, i * 2, ORDER)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                VectorMask<Integer> pos = v.compare(VectorOperators.GT, zero).and(v.compare(VectorOperators.LE, infinity));
                ((ShortVector) zero.blend(v, pos).convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0))
                        .intoByteBuffer(dst, i * 2, ORDER);
                bits |= (zero.blend(BIT_OF_LANE, pos).reduceLanes(VectorOperators.OR) & LANE_MASK) << (i - word);
            }
            positive[word >>> 6] = bits;
        }
    }

    /** max(x, 0) of floats already exact in the precision asked for, with the mask bit of every positive one. */
    private static void reluFloats(ByteBuffer src, ByteBuffer dst, int end, long[] positive) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int word = 0; word < end; word += 64) {
            long bits = 0;
            for (int i = word; i < word + 64; i += LANES) {
                IntVector v = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
                VectorMask<Integer> pos = v.compare(VectorOperators.GT, zero).and(v.compare(VectorOperators.LE, infinity));
                ((FloatVector) zero.blend(v, pos).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
                bits |= (zero.blend(BIT_OF_LANE, pos).reduceLanes(VectorOperators.OR) & LANE_MASK) << (i - word);
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
        if (scale == 1f && from == to && in.isExactIn(roundTo)) { // masking alone: nothing to round
            if (from.isLow()) {
                maskCodes(in.buffer(), out.buffer(), vectorEnd, mask);
            } else {
                maskFloats(in.buffer(), out.buffer(), vectorEnd, mask);
            }
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.BF16) {
            maskRoundBf16Codes(in.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.FP16) {
            // Encoded, then masked in place: the FP16 encoding alone is as long a loop body as C2 keeps whole. The
            // input gradient of a kernel that multiplies FP16 codes but hands back FP32 products (kernel=vector).
            encodeFp16Codes(in.buffer(), out.buffer(), vectorEnd);
            maskCodes(out.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.FP32 && roundTo == Precision.FP16) {
            maskRoundFp16Floats(in.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32 && scale == 1f && to == Precision.FP32 && roundTo == Precision.BF16) {
            maskRoundBf16Floats(in.buffer(), out.buffer(), vectorEnd, mask);
        } else if (from == Precision.FP32 && to == Precision.FP32) { // scaled (dropout), then rounded in place
            maskScaleFloats(in.buffer(), out.buffer(), scale, vectorEnd, mask);
            if (roundTo == Precision.FP16) {
                maskRoundFp16Floats(out.buffer(), out.buffer(), vectorEnd, mask);
            } else if (roundTo == Precision.BF16) {
                maskRoundBf16Floats(out.buffer(), out.buffer(), vectorEnd, mask);
            }
        } else if (from.isLow() && to == Precision.FP32 && roundTo == Precision.FP32) {
            // Codes scaled into FP32 (the backward of a dropout whose gradient arrives as codes): widened, then masked
            // and scaled in place.
            LowPrecisionBuffers.decode(from, in.buffer(), 0, out.buffer(), 0, vectorEnd);
            maskScaleFloats(out.buffer(), out.buffer(), scale, vectorEnd, mask);
        } else if (from.isLow() && to == from && roundTo == from) {
            // Codes scaled into codes (a dropout on codes): widened into scratch, masked and scaled there, rounded
            // once as they are encoded. Three vector passes; one loop doing all of it would be too long for C2.
            ByteBuffer wide = wideScratch(vectorEnd);
            LowPrecisionBuffers.decode(from, in.buffer(), 0, wide, 0, vectorEnd);
            maskScaleFloats(wide, wide, scale, vectorEnd, mask);
            if (to == Precision.BF16) {
                maskRoundBf16Codes(wide, out.buffer(), vectorEnd, mask);
            } else {
                encodeFp16Codes(wide, out.buffer(), vectorEnd);
            }
        } else {
            vectorEnd = 0;
        }
        if (vectorEnd < count) {
            long[] rest = java.util.Arrays.copyOfRange(mask, vectorEnd >>> 6, (count + 63) >>> 6);
            scalar.maskScale(in.slice(vectorEnd, 1, count - vectorEnd), rest, scale, roundTo,
                    out.slice(vectorEnd, 1, count - vectorEnd));
        }
    }

    @Override
    public void maskPositive(Matrix in, Matrix of, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % LANES;
        Precision storage = in.storage();
        if (storage.isLow()) {
            maskPositiveCodes(in.buffer(), of.buffer(), out.buffer(), storage == Precision.FP16 ? 0x7c00 : 0x7f80, vectorEnd);
        } else {
            maskPositiveFloats(in.buffer(), of.buffer(), out.buffer(), vectorEnd);
        }
        if (vectorEnd < count) {
            scalar.maskPositive(in.slice(vectorEnd, 1, count - vectorEnd), of.slice(vectorEnd, 1, count - vectorEnd),
                    out.slice(vectorEnd, 1, count - vectorEnd));
        }
    }

    /** Codes move as they are where {@code of}'s code is a positive number (1 up to +infinity's code), 0 elsewhere. */
    private static void maskPositiveCodes(ByteBuffer src, ByteBuffer of, ByteBuffer dst, int infinityCode, int end) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, infinityCode);
        for (int i = 0; i < end; i += LANES) {
            IntVector sign = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, of, i * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0); // sign-extended: negative codes are below 0
            VectorMask<Integer> positive = sign.compare(VectorOperators.GT, zero).and(sign.compare(VectorOperators.LE, infinity));
            IntVector v = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, i * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            ((ShortVector) zero.blend(v, positive).convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0))
                    .intoByteBuffer(dst, i * 2, ORDER);
        }
    }

    /** Float bits move as they are where {@code of} is greater than zero (NaN is not), 0 elsewhere. */
    private static void maskPositiveFloats(ByteBuffer src, ByteBuffer of, ByteBuffer dst, int end) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int i = 0; i < end; i += LANES) { // on the bits: positive numbers are 1 up to +infinity's bits
            IntVector sign = (IntVector) FloatVector.fromByteBuffer(FLOATS, of, i * 4, ORDER).reinterpretShape(INTS, 0);
            VectorMask<Integer> positive = sign.compare(VectorOperators.GT, zero).and(sign.compare(VectorOperators.LE, infinity));
            IntVector v = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
            ((FloatVector) zero.blend(v, positive).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
        }
    }

    /** Masking alone is exact: codes move as they are where the bit is set, 0 elsewhere. */
    private static void maskCodes(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.lanewise(AND, IntVector.broadcast(INTS, (int) (bits >>> (i - word))))
                        .compare(VectorOperators.NE, zero);
                IntVector v = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, i * 2, ORDER)
                        .convertShape(VectorOperators.S2I, INTS, 0);
                ((ShortVector) zero.blend(v, set).convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0))
                        .intoByteBuffer(dst, i * 2, ORDER);
            }
        }
    }

    /** Masking alone is exact: float bits move as they are where the bit is set, 0 elsewhere. */
    private static void maskFloats(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.lanewise(AND, IntVector.broadcast(INTS, (int) (bits >>> (i - word))))
                        .compare(VectorOperators.NE, zero);
                IntVector v = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
                ((FloatVector) zero.blend(v, set).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
            }
        }
    }


    /** FP32 values where the mask is set, as BF16 codes, 0 elsewhere: an input gradient rounded and ReLU-masked in one pass. */
    private static void maskRoundBf16Codes(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector quietCode = IntVector.broadcast(INTS, 0x0040);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x7f);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.lanewise(AND, IntVector.broadcast(INTS, ((int) (bits >>> (i - word)))))
                        .compare(VectorOperators.NE, zero);
                IntVector v = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
                IntVector top = v.lanewise(VectorOperators.LSHR, 16);
                IntVector codes = v.lanewise(ADD, top.lanewise(AND, one)).lanewise(ADD, roundingBias)
                        .lanewise(VectorOperators.LSHR, 16);
                VectorMask<Integer> isNan = v.lanewise(AND, absMask).compare(VectorOperators.GT, infinity);
                if (isNan.anyTrue()) { // fixed only where there are any, as in the epilogue
                    IntVector nan = top.blend(top.lanewise(OR, quietCode),
                            top.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero));
                    codes = codes.blend(nan, isNan);
                }
                codes = zero.blend(codes, set);
                ((ShortVector) codes.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0))
                        .intoByteBuffer(dst, i * 2, ORDER);
            }
        }
    }

    /** FP32 values where the mask is set, rounded to BF16 but kept as floats, 0 elsewhere. */
    private static void maskRoundBf16Floats(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector high = IntVector.broadcast(INTS, 0xffff_0000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x007f_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int word = 0; word < end; word += 64) {
            long words = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE
                        .lanewise(AND, IntVector.broadcast(INTS, ((int) (words >>> (i - word)))))
                        .compare(VectorOperators.NE, zero);
                IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER)
                        .reinterpretShape(INTS, 0));
                IntVector rounded = bits.lanewise(ADD, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias).lanewise(AND, high);
                VectorMask<Integer> isNan = bits.lanewise(AND, absMask).compare(VectorOperators.GT, infinity);
                if (isNan.anyTrue()) { // BF16 rounding (VectorCodes), written out; NaN fixed only where there is one
                    IntVector nan = bits.lanewise(AND, high);
                    rounded = rounded.blend(nan.blend(nan.lanewise(OR, quietBit),
                            nan.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero)),
                            isNan);
                }
                ((FloatVector) zero.blend(rounded, set).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
            }
        }
    }

    /** FP32 values where the mask is set, rounded to FP16 but kept as floats, 0 elsewhere. */
    private static void maskRoundFp16Floats(ByteBuffer src, ByteBuffer dst, int end, long[] mask) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        for (int word = 0; word < end; word += 64) {
            long words = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE
                        .lanewise(AND, IntVector.broadcast(INTS, ((int) (words >>> (i - word)))))
                        .compare(VectorOperators.NE, zero);
                IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER)
                        .reinterpretShape(INTS, 0));
                IntVector abs = bits.lanewise(AND, absMask); // FP16 rounding (VectorCodes), written out
                FloatVector magic = ((FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                        .lanewise(MIN, maxExponent)
                    .lanewise(ADD, magicOffset)
                        .reinterpretShape(FLOATS, 0));
                IntVector rounded = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                        .lanewise(SUB, magic).lanewise(MUL, up).lanewise(MUL, down).reinterpretShape(INTS, 0));
                VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
                if (isNan.anyTrue()) {
                    IntVector payload = abs.lanewise(AND, nanPayload);
                    rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                            .lanewise(OR, exponent),
                            isNan);
                }
                rounded = rounded.lanewise(OR, bits.lanewise(AND, signBit));
                ((FloatVector) zero.blend(rounded, set).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
            }
        }
    }

    /** This thread's direct scratch for {@code values} floats (grown, never shrunk). */
    private static ByteBuffer wideScratch(int values) {
        ByteBuffer wide = WIDE_SCRATCH.get();
        if (wide.capacity() < values * 4) {
            wide = ByteBuffer.allocateDirect(values * 4).order(ORDER);
            WIDE_SCRATCH.set(wide);
        }
        return wide;
    }

    /** FP32 values times {@code scale} where the mask is set, 0 elsewhere, not rounded. */
    private static void maskScaleFloats(ByteBuffer src, ByteBuffer dst, float scale, int end, long[] mask) {
        IntVector zero = IntVector.broadcast(INTS, 0);
        FloatVector by = FloatVector.broadcast(FLOATS, scale);
        for (int word = 0; word < end; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.lanewise(AND, IntVector.broadcast(INTS, (int) (bits >>> (i - word))))
                        .compare(VectorOperators.NE, zero);
                IntVector v = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).lanewise(MUL, by)
                        .reinterpretShape(INTS, 0);
                ((FloatVector) zero.blend(v, set).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
            }
        }
    }


    @Override
    public void maskPositiveRound(Matrix in, Matrix of, Precision roundTo, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % LANES;
        if (roundTo == Precision.FP16) {
            maskPositiveRoundFp16Floats(in.buffer(), of.buffer(), out.buffer(), vectorEnd);
        } else if (roundTo == Precision.BF16) {
            maskPositiveRoundBf16Floats(in.buffer(), of.buffer(), out.buffer(), vectorEnd);
        } else {
            maskPositiveFloats(in.buffer(), of.buffer(), out.buffer(), vectorEnd);
        }
        if (vectorEnd < count) {
            scalar.maskPositiveRound(in.slice(vectorEnd, 1, count - vectorEnd), of.slice(vectorEnd, 1, count - vectorEnd), roundTo,
                    out.slice(vectorEnd, 1, count - vectorEnd));
        }
    }

    /** FP32 values rounded to FP16 but kept as floats where {@code of} is positive, 0 elsewhere. */
    private static void maskPositiveRoundFp16Floats(ByteBuffer src, ByteBuffer of, ByteBuffer dst, int end) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        for (int i = 0; i < end; i += LANES) {
            IntVector ofBits = (IntVector) FloatVector.fromByteBuffer(FLOATS, of, i * 4, ORDER).reinterpretShape(INTS, 0);
            VectorMask<Integer> set = ofBits.compare(VectorOperators.GT, zero).and(ofBits.compare(VectorOperators.LE, exponent));
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector abs = bits.lanewise(AND, absMask); // FP16 rounding (VectorCodes), written out
            FloatVector magic = ((FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                    .lanewise(MIN, maxExponent)
                    .lanewise(ADD, magicOffset)
                    .reinterpretShape(FLOATS, 0));
            IntVector rounded = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                    .lanewise(SUB, magic).lanewise(MUL, up).lanewise(MUL, down).reinterpretShape(INTS, 0));
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
            if (isNan.anyTrue()) {
                IntVector payload = abs.lanewise(AND, nanPayload);
                rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                        .lanewise(OR, exponent), isNan);
            }
            rounded = rounded.lanewise(OR, bits.lanewise(AND, signBit));
            ((FloatVector) zero.blend(rounded, set).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
        }
    }

    /** FP32 values rounded to BF16 but kept as floats where {@code of} is positive, 0 elsewhere. */
    private static void maskPositiveRoundBf16Floats(ByteBuffer src, ByteBuffer of, ByteBuffer dst, int end) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector high = IntVector.broadcast(INTS, 0xffff_0000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x007f_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        for (int i = 0; i < end; i += LANES) {
            IntVector ofBits = (IntVector) FloatVector.fromByteBuffer(FLOATS, of, i * 4, ORDER).reinterpretShape(INTS, 0);
            VectorMask<Integer> set = ofBits.compare(VectorOperators.GT, zero).and(ofBits.compare(VectorOperators.LE, infinity));
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector rounded = bits.lanewise(ADD, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias).lanewise(AND, high);
            VectorMask<Integer> isNan = bits.lanewise(AND, absMask).compare(VectorOperators.GT, infinity);
            if (isNan.anyTrue()) { // BF16 rounding (VectorCodes), written out; NaN fixed only where there is one
                IntVector nan = bits.lanewise(AND, high);
                rounded = rounded.blend(nan.blend(nan.lanewise(OR, quietBit),
                        nan.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero)), isNan);
            }
            ((FloatVector) zero.blend(rounded, set).reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
        }
    }

    @Override
    public void round(Matrix in, Precision roundTo, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % LANES;
        boolean floats = in.storage() == Precision.FP32 && out.storage() == Precision.FP32;
        if (floats && roundTo == Precision.FP16) {
            roundFp16Floats(in.buffer(), out.buffer(), 0, vectorEnd);
        } else if (floats && roundTo == Precision.BF16) {
            roundBf16Floats(in.buffer(), out.buffer(), 0, vectorEnd);
        } else { // codes, or no rounding: combinations no layer asks for
            vectorEnd = 0;
        }
        if (vectorEnd < count) {
            scalar.round(in.slice(vectorEnd, 1, count - vectorEnd), roundTo, out.slice(vectorEnd, 1, count - vectorEnd));
        }
    }

    @Override
    public CastCounts convert(Matrix in, Precision roundTo, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % LANES;
        long[] counts = new long[2];
        if (in == out && in.storage().isLow()) {
            countCodes(in.buffer(), vectorEnd, counts);
        } else if (in == out) {
            countFloats(in.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.FP32 && roundTo == Precision.FP16) {
            convertFloatsFp16(in.buffer(), out.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.BF16 && roundTo == Precision.BF16) {
            convertFloatsBf16Codes(in.buffer(), out.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.FP32 && roundTo == Precision.BF16) {
            convertFloatsBf16Floats(in.buffer(), out.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.FP16 && roundTo == Precision.FP16) {
            convertFloatsFp16Codes(in.buffer(), out.buffer(), vectorEnd, counts);
        } else if (in.storage() == Precision.FP32 && out.storage() == Precision.FP32 && roundTo == Precision.FP32) {
            copyFloats(in.buffer(), out.buffer(), vectorEnd, counts);
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
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector low = IntVector.broadcast(INTS, 0xffff);
        IntVector magnitudeMask = IntVector.broadcast(INTS, 0x7fff);
        IntVector normalBias = IntVector.broadcast(INTS, 0x3800_0000);
        IntVector specialBias = IntVector.broadcast(INTS, 0x7000_0000);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7c00);
        IntVector minNormalCode = IntVector.broadcast(INTS, 0x0400);
        FloatVector subnormalUlp = FloatVector.broadcast(FLOATS, 0x1p-24f);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000);
        IntVector nonZero = zero;
        boolean fp16 = storage == Precision.FP16;
        for (int i = 0; i < end; i += LANES) {
            IntVector codes = ((IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, i * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0)).lanewise(AND, low);
            IntVector magnitude = codes.lanewise(AND, magnitudeMask);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, magnitude.compare(VectorOperators.NE, zero)));
            IntVector bits;
            if (fp16) { // re-bias normals, scale subnormals exactly, widen infinity and NaN payloads
                IntVector shifted = magnitude.lanewise(VectorOperators.LSHL, 13);
                bits = shifted.lanewise(ADD, normalBias)
                        .blend(shifted.lanewise(ADD, specialBias), magnitude.compare(VectorOperators.GE, infinityCode));
                bits = bits.blend(((IntVector) ((FloatVector) magnitude.convertShape(VectorOperators.I2F, FLOATS, 0))
                        .lanewise(MUL, subnormalUlp).reinterpretShape(INTS, 0)),
                        magnitude.compare(VectorOperators.LT, minNormalCode));
                bits = bits.lanewise(OR, codes.lanewise(AND, signBit).lanewise(VectorOperators.LSHL, 16));
            } else {
                bits = codes.lanewise(VectorOperators.LSHL, 16);
            }
            ((FloatVector) bits.reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    /** Non-zero codes (exact lanes: none of them can vanish). */
    private static void countCodes(ByteBuffer src, int end, long[] counts) {
        IntVector magnitude = IntVector.broadcast(INTS, 0x7fff);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector nonZero = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector v = (IntVector) ShortVector.fromByteBuffer(VectorCodes.SHORTS, src, i * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS, 0);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, v.lanewise(AND, magnitude).compare(VectorOperators.NE, zero)));
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    /** Non-zero floats (exact lanes: none of them can vanish). */
    private static void countFloats(ByteBuffer src, int end, long[] counts) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector nonZero = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector v = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, v.lanewise(AND, absMask).compare(VectorOperators.NE, zero)));
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
    }


    /** FP32 values rounded to {@code roundTo}, stored as {@code to}; counts the non-zero values and those that became zero. */
    /*
     * The casts the layers run, each written out for one pair of storages: inference converts every input batch
     * this way, and through helper calls the fp16 forward pass once ran at 0.4x fp32's.
     */

    /** FP32 values rounded to FP16 but kept as floats, with the non-zero and underflow counts. */
    private static void convertFloatsFp16(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector exponent = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector minExponent = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector maxExponent = IntVector.broadcast(INTS, 0x4700_0000);
        IntVector magicOffset = IntVector.broadcast(INTS, 0x06c0_0000);
        FloatVector up = FloatVector.broadcast(FLOATS, 0x1p112f);
        FloatVector down = FloatVector.broadcast(FLOATS, 0x1p-112f);
        IntVector nanPayload = IntVector.broadcast(INTS, 0x007f_e000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000_0000);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector nonZero = zero;
        IntVector underflowed = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector abs = bits.lanewise(AND, absMask); // FP16 rounding (VectorCodes), written out
            FloatVector magic = ((FloatVector) abs.lanewise(AND, exponent).lanewise(MAX, minExponent)
                    .lanewise(MIN, maxExponent)
                    .lanewise(ADD, magicOffset)
                    .reinterpretShape(FLOATS, 0));
            IntVector rounded = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, magic)
                    .lanewise(SUB, magic).lanewise(MUL, up).lanewise(MUL, down).reinterpretShape(INTS, 0));
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, exponent);
            if (isNan.anyTrue()) {
                IntVector payload = abs.lanewise(AND, nanPayload);
                rounded = rounded.blend(payload.blend(quietBit, payload.compare(VectorOperators.EQ, zero))
                        .lanewise(OR, exponent), isNan);
            }
            VectorMask<Integer> isNonZero = abs.compare(VectorOperators.NE, zero);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, isNonZero));
            underflowed = underflowed.lanewise(ADD, zero
                    .blend(one, isNonZero.and(rounded.compare(VectorOperators.EQ, zero))));
            ((FloatVector) rounded.lanewise(OR, bits.lanewise(AND, signBit))
                    .reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
        counts[1] += underflowed.reduceLanesToLong(VectorOperators.ADD);
    }

    /** FP32 values as BF16 codes, with the non-zero and underflow counts. */
    private static void convertFloatsBf16Codes(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector quietCode = IntVector.broadcast(INTS, 0x0040);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x7f);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector nonZero = zero;
        IntVector underflowed = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0));
            IntVector top = bits.lanewise(VectorOperators.LSHR, 16); // BF16 encoding (VectorCodes), written out
            IntVector codes = bits.lanewise(ADD, top.lanewise(AND, one)).lanewise(ADD, roundingBias)
                    .lanewise(VectorOperators.LSHR, 16);
            IntVector abs = bits.lanewise(AND, absMask);
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, infinity);
            if (isNan.anyTrue()) { // fixed only where there are any, as in the epilogue
                IntVector nanCode = top.blend(top.lanewise(OR, quietCode),
                        top.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero));
                codes = codes.blend(nanCode, isNan);
            }
            VectorMask<Integer> isNonZero = abs.compare(VectorOperators.NE, zero);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, isNonZero));
            underflowed = underflowed.lanewise(ADD, 
                    zero.blend(one, isNonZero.and(codes.lanewise(AND, roundingBias).compare(VectorOperators.EQ, zero))));
            ((ShortVector) codes.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(dst, i * 2, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
        counts[1] += underflowed.reduceLanesToLong(VectorOperators.ADD);
    }

    /** FP32 values copied (FP32 to FP32: nothing to round), with the non-zero count. */
    private static void copyFloats(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector nonZero = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector v = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
            ((FloatVector) v.reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, v.lanewise(AND, absMask).compare(VectorOperators.NE, zero)));
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    /** FP32 values rounded to BF16 but kept as floats (a BF16 run computing in FP32), with the non-zero and underflow counts. */
    private static void convertFloatsBf16Floats(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector roundingBias = IntVector.broadcast(INTS, 0x7fff);
        IntVector high = IntVector.broadcast(INTS, 0xffff_0000);
        IntVector quietBit = IntVector.broadcast(INTS, 0x0040_0000);
        IntVector payloadTop = IntVector.broadcast(INTS, 0x007f_0000);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector nonZero = zero;
        IntVector underflowed = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
            IntVector rounded = bits.lanewise(ADD, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, one))
                    .lanewise(ADD, roundingBias).lanewise(AND, high);
            IntVector abs = bits.lanewise(AND, absMask);
            VectorMask<Integer> isNan = abs.compare(VectorOperators.GT, infinity);
            if (isNan.anyTrue()) { // BF16 rounding (VectorCodes), written out; NaN fixed only where there is one
                IntVector nan = bits.lanewise(AND, high);
                rounded = rounded.blend(nan.blend(nan.lanewise(OR, quietBit),
                        nan.lanewise(AND, payloadTop).compare(VectorOperators.EQ, zero)), isNan);
            }
            VectorMask<Integer> isNonZero = abs.compare(VectorOperators.NE, zero);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, isNonZero));
            underflowed = underflowed.lanewise(ADD, zero.blend(one, isNonZero.and(rounded
                    .lanewise(AND, absMask).compare(VectorOperators.EQ, zero))));
            ((FloatVector) rounded.reinterpretShape(FLOATS, 0)).intoByteBuffer(dst, i * 4, ORDER);
        }
        counts[0] += nonZero.reduceLanesToLong(VectorOperators.ADD);
        counts[1] += underflowed.reduceLanesToLong(VectorOperators.ADD);
    }

    /**
     * FP32 values as FP16 codes (a run with a native FP16 matmul), with the non-zero and underflow counts. Two
     * loops, the counts and then the encoding: in one loop (about 37 operations) the pass boxed in about one of
     * ten {@code VectorBoxingCheck} JVMs (the inlining budget, docs/vector-code.md). Counted first, so the values
     * are all read before a code is written over memory they might share.
     */
    private static void convertFloatsFp16Codes(ByteBuffer src, ByteBuffer dst, int end, long[] counts) {
        countFp16Underflow(src, end, counts);
        encodeFp16Codes(src, dst, end);
    }

    private static void encodeFp16Codes(ByteBuffer src, ByteBuffer dst, int end) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector bias = IntVector.broadcast(INTS, 0x3800_0000);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector belowHalf = IntVector.broadcast(INTS, 0xfff);
        FloatVector half = FloatVector.broadcast(FLOATS, 0.5f);
        IntVector halfBits = IntVector.broadcast(INTS, 0x3f00_0000);
        IntVector minNormal = IntVector.broadcast(INTS, 0x3880_0000);
        IntVector overflow = IntVector.broadcast(INTS, 0x477f_f000);
        IntVector infinityCode = IntVector.broadcast(INTS, 0x7c00);
        IntVector mantissa = IntVector.broadcast(INTS, 0x3ff);
        IntVector quietNan = IntVector.broadcast(INTS, 0x200);
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector infinity = IntVector.broadcast(INTS, 0x7f80_0000);
        IntVector signBit = IntVector.broadcast(INTS, 0x8000);
        for (int i = 0; i < end; i += LANES) {
            IntVector bits = (IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0);
            IntVector abs = bits.lanewise(AND, absMask); // FP16 encoding (VectorCodes), written out
            IntVector rebiased = abs.lanewise(SUB, bias);
            IntVector code = rebiased.lanewise(ADD, rebiased.lanewise(VectorOperators.LSHR, 13).lanewise(AND, one))
                    .lanewise(ADD, belowHalf)
                    .lanewise(VectorOperators.LSHR, 13);
            IntVector subnormal = ((IntVector) ((FloatVector) abs.reinterpretShape(FLOATS, 0)).lanewise(ADD, half)
                    .reinterpretShape(INTS, 0))
                    .lanewise(SUB, halfBits);
            code = code.blend(subnormal, abs.compare(VectorOperators.LT, minNormal));
            code = code.blend(infinityCode, abs.compare(VectorOperators.GE, overflow));
            IntVector payload = abs.lanewise(VectorOperators.LSHR, 13).lanewise(AND, mantissa);
            IntVector nanCode = payload.blend(quietNan, payload.compare(VectorOperators.EQ, zero))
                    .lanewise(OR, infinityCode);
            code = code.blend(nanCode, abs.compare(VectorOperators.GT, infinity))
                    .lanewise(OR, bits.lanewise(VectorOperators.LSHR, 16).lanewise(AND, signBit));
            ((ShortVector) code.convertShape(VectorOperators.I2S, VectorCodes.SHORTS, 0)).intoByteBuffer(dst, i * 2, ORDER);
        }
    }

    /**
     * Non-zero FP32 values, and those of them FP16 rounds to zero: magnitudes up to 2^-25, half the smallest
     * subnormal, which round to even, i.e. to zero. Read from the values alone, not from their codes.
     */
    private static void countFp16Underflow(ByteBuffer src, int end, long[] counts) {
        IntVector absMask = IntVector.broadcast(INTS, 0x7fff_ffff);
        IntVector halfSmallest = IntVector.broadcast(INTS, Float.floatToRawIntBits(0x1p-25f));
        IntVector zero = IntVector.broadcast(INTS, 0);
        IntVector one = IntVector.broadcast(INTS, 1);
        IntVector nonZero = zero;
        IntVector underflowed = zero;
        for (int i = 0; i < end; i += LANES) {
            IntVector abs = ((IntVector) FloatVector.fromByteBuffer(FLOATS, src, i * 4, ORDER).reinterpretShape(INTS, 0))
                    .lanewise(AND, absMask);
            VectorMask<Integer> isNonZero = abs.compare(VectorOperators.NE, zero);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, isNonZero));
            underflowed = underflowed.lanewise(ADD, zero.blend(one, isNonZero.and(abs.compare(VectorOperators.LE, halfSmallest))));
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
        ByteBuffer src = in.buffer();
        if (in.storage() == Precision.FP16) {
            // FP16 codes (a run with a native FP16 matmul) widened exactly once, then summed as floats: decoding
            // FP16 on the half-width lanes of the strips ran the Vector API's Java fallback.
            src = wideScratch(rows * cols);
            LowPrecisionBuffers.decode(Precision.FP16, in.buffer(), 0, src, 0, rows * cols);
        }
        // Column strips held in registers down all the rows: each column's sum still adds the rows in order.
        for (int j = 0; j < vectorCols; j += lanes) {
            nonZero += in.storage() == Precision.BF16 ? sumStripBf16(src, rows, cols, j, d) : sumStripFp32(src, rows, cols, j, d);
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
        IntVector zero = IntVector.zero(INTS_D);
        IntVector one = IntVector.broadcast(INTS_D, 1);
        IntVector absMask = IntVector.broadcast(INTS_D, 0x7fff_ffff);
        IntVector nonZero = zero;
        for (int r = 0; r < rows; r++) {
            FloatVector x = FloatVector.fromByteBuffer(FLOATS_D, src, (r * cols + j) * 4, ORDER);
            sum = sum.lanewise(ADD, (DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0));
            IntVector bits = (IntVector) x.reinterpretShape(INTS_D, 0);
            nonZero = nonZero.lanewise(ADD, zero.blend(one, bits.lanewise(AND, absMask).compare(VectorOperators.NE, zero)));
        }
        addStrip(dst, j, sum);
        return nonZero.reduceLanesToLong(VectorOperators.ADD);
    }

    private static long sumStripBf16(ByteBuffer src, int rows, int cols, int j, ByteBuffer dst) {
        DoubleVector sum = DoubleVector.zero(DOUBLES);
        IntVector zero = IntVector.zero(INTS_D);
        IntVector one = IntVector.broadcast(INTS_D, 1);
        IntVector magnitude = IntVector.broadcast(INTS_D, 0x7fff);
        IntVector nonZero = zero;
        for (int r = 0; r < rows; r++) {
            IntVector codes = (IntVector) ShortVector.fromByteBuffer(SHORTS_D, src, (r * cols + j) * 2, ORDER)
                    .convertShape(VectorOperators.S2I, INTS_D, 0);
            FloatVector x = (FloatVector) codes.lanewise(VectorOperators.LSHL, 16).reinterpretShape(FLOATS_D, 0);
            sum = sum.lanewise(ADD, (DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0));
            nonZero = nonZero.lanewise(ADD, zero.blend(one,
                    codes.lanewise(AND, magnitude).compare(VectorOperators.NE, zero)));
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








    @Override
    public void exp(float[] values, int off, int count) {
        int vectorEnd = off + count - count % LANES;
        float[] rounded = EXP_SCRATCH.get();
        if (rounded.length < vectorEnd - off) {
            rounded = new float[vectorEnd - off];
            EXP_SCRATCH.set(rounded);
        }
        expReducedLoop(values, rounded, off, vectorEnd);
        expScaleLoop(values, rounded, off, vectorEnd);
        scalar.exp(values, vectorEnd, off + count - vectorEnd);
    }

    @Override
    public void smooth(SmoothFunction f, float[] values, int off, int count) {
        int whole = VectorSmoothPasses.forward(f, values, off, count);
        scalar.smooth(f, values, off + whole, count - whole);
    }

    @Override
    public void smoothGradient(SmoothFunction f, float[] grads, float[] inputs, int off, int count) {
        int whole = VectorSmoothPasses.backward(f, grads, inputs, off, count);
        scalar.smoothGradient(f, grads, inputs, off + whole, count - whole);
    }

    /*
     * A layer norm's per-value work on double lanes, operation for operation as ScalarElementwise does it (the same
     * bits): floats widened to doubles on half-width float vectors with as many lanes (DOUBLES, FLOATS_D). The
     * row sums the layer needs in between are the layer's own, in an order that is the same on every CPU.
     */

    @Override
    public void normalizeRow(float[] x, int off, int count, double mean, double rstd, float[] params, int gammaOff, int betaOff,
                             float[] xhat, float[] out) {
        int lanes = DOUBLES.length();
        int vectorEnd = count - count % lanes;
        DoubleVector meanV = DoubleVector.broadcast(DOUBLES, mean);
        DoubleVector rstdV = DoubleVector.broadcast(DOUBLES, rstd);
        for (int j = 0; j < vectorEnd; j += lanes) {
            DoubleVector n = ((DoubleVector) FloatVector.fromArray(FLOATS_D, x, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0)).lanewise(SUB, meanV).lanewise(MUL, rstdV);
            ((FloatVector) n.convertShape(VectorOperators.D2F, FLOATS_D, 0)).intoArray(xhat, off + j);
            DoubleVector gamma = (DoubleVector) FloatVector.fromArray(FLOATS_D, params, gammaOff + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector beta = (DoubleVector) FloatVector.fromArray(FLOATS_D, params, betaOff + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            ((FloatVector) gamma.lanewise(MUL, n).lanewise(ADD, beta).convertShape(VectorOperators.D2F, FLOATS_D, 0))
                    .intoArray(out, off + j);
        }
        scalar.normalizeRow(x, off + vectorEnd, count - vectorEnd, mean, rstd, params, gammaOff + vectorEnd,
                betaOff + vectorEnd, xhat, out);
    }

    @Override
    public void accumulateNormGradients(float[] dy, float[] xhat, int off, int count, double[] gammaGrad,
                                        double[] betaGrad) {
        int lanes = DOUBLES.length();
        int vectorEnd = count - count % lanes;
        for (int j = 0; j < vectorEnd; j += lanes) {
            DoubleVector g = (DoubleVector) FloatVector.fromArray(FLOATS_D, dy, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector x = (DoubleVector) FloatVector.fromArray(FLOATS_D, xhat, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector.fromArray(DOUBLES, gammaGrad, j).lanewise(ADD, g.lanewise(MUL, x)).intoArray(gammaGrad, j);
            DoubleVector.fromArray(DOUBLES, betaGrad, j).lanewise(ADD, g).intoArray(betaGrad, j);
        }
        for (int j = vectorEnd; j < count; j++) { // the tail as ScalarElementwise does it (its sums start at index 0)
            double g = dy[off + j];
            gammaGrad[j] += g * xhat[off + j];
            betaGrad[j] += g;
        }
    }

    /*
     * Row sums in Reductions' order: its eight partial sums (value j into sum j mod 8) are eight double lanes. With
     * four lanes a vector, the first four and the last four run as two loops over every eighth value, each loop a
     * short one (docs/vector-code.md); other widths run the plain loops. The tail goes into the first sums, as there.
     */

    @Override
    public double sum(float[] values, int off, int count) {
        if (!EIGHT_PARTIAL_SUMS) {
            return scalar.sum(values, off, count);
        }
        int whole = count - count % 8;
        double[] sums = ScalarElementwise.PARTIALS.get();
        for (int first = 0; first < 8; first += DOUBLES.length()) {
            DoubleVector acc = DoubleVector.zero(DOUBLES);
            for (int j = first; j < whole; j += 8) {
                acc = acc.lanewise(ADD, FloatVector.fromArray(FLOATS_D, values, off + j)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0));
            }
            acc.intoArray(sums, first);
        }
        for (int j = whole; j < count; j++) {
            sums[j - whole] += values[off + j];
        }
        return Reductions.partialSumsTotal(sums);
    }

    @Override
    public double sumOfSquaredDeviations(float[] values, int off, int count, double mean) {
        if (!EIGHT_PARTIAL_SUMS) {
            return scalar.sumOfSquaredDeviations(values, off, count, mean);
        }
        int whole = count - count % 8;
        double[] sums = ScalarElementwise.PARTIALS.get();
        DoubleVector meanV = DoubleVector.broadcast(DOUBLES, mean);
        for (int first = 0; first < 8; first += DOUBLES.length()) {
            DoubleVector acc = DoubleVector.zero(DOUBLES);
            for (int j = first; j < whole; j += 8) {
                DoubleVector v = ((DoubleVector) FloatVector.fromArray(FLOATS_D, values, off + j)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0)).lanewise(SUB, meanV);
                acc = acc.lanewise(ADD, v.lanewise(MUL, v));
            }
            acc.intoArray(sums, first);
        }
        for (int j = whole; j < count; j++) {
            double v = values[off + j] - mean;
            sums[j - whole] += v * v;
        }
        return Reductions.partialSumsTotal(sums);
    }

    @Override
    public void normGradientSums(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff, double[] sums) {
        if (!EIGHT_PARTIAL_SUMS) {
            scalar.normGradientSums(dy, xhat, off, count, params, gammaOff, sums);
            return;
        }
        int whole = count - count % 8;
        double[] partials = ScalarElementwise.PARTIALS.get();
        for (int first = 0; first < 8; first += DOUBLES.length()) {
            DoubleVector dSum = DoubleVector.zero(DOUBLES);
            DoubleVector dxSum = DoubleVector.zero(DOUBLES);
            for (int j = first; j < whole; j += 8) {
                DoubleVector d = ((DoubleVector) FloatVector.fromArray(FLOATS_D, dy, off + j)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0)).lanewise(MUL, FloatVector.fromArray(FLOATS_D, params,
                        gammaOff + j).convertShape(VectorOperators.F2D, DOUBLES, 0));
                dSum = dSum.lanewise(ADD, d);
                dxSum = dxSum.lanewise(ADD, d.lanewise(MUL, FloatVector.fromArray(FLOATS_D, xhat, off + j)
                        .convertShape(VectorOperators.F2D, DOUBLES, 0)));
            }
            dSum.intoArray(partials, first);
            dxSum.intoArray(partials, 8 + first);
        }
        ScalarElementwise.normGradientSumsFrom(whole, dy, xhat, off, count, params, gammaOff, partials);
        sums[0] = Reductions.partialSumsTotal(partials, 0);
        sums[1] = Reductions.partialSumsTotal(partials, 8);
    }

    @Override
    public void normGradientRow(float[] dy, float[] xhat, int off, int count, float[] params, int gammaOff, double meanGrad,
                                double meanGradTimesXhat, double rstd) {
        int lanes = DOUBLES.length();
        int vectorEnd = count - count % lanes;
        DoubleVector meanGradV = DoubleVector.broadcast(DOUBLES, meanGrad);
        DoubleVector meanGradTimesXhatV = DoubleVector.broadcast(DOUBLES, meanGradTimesXhat);
        DoubleVector rstdV = DoubleVector.broadcast(DOUBLES, rstd);
        for (int j = 0; j < vectorEnd; j += lanes) {
            DoubleVector g = (DoubleVector) FloatVector.fromArray(FLOATS_D, dy, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector gamma = (DoubleVector) FloatVector.fromArray(FLOATS_D, params, gammaOff + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector x = (DoubleVector) FloatVector.fromArray(FLOATS_D, xhat, off + j)
                    .convertShape(VectorOperators.F2D, DOUBLES, 0);
            DoubleVector inner = g.lanewise(MUL, gamma).lanewise(SUB, meanGradV)
                    .lanewise(SUB, x.lanewise(MUL, meanGradTimesXhatV));
            ((FloatVector) rstdV.lanewise(MUL, inner).convertShape(VectorOperators.D2F, FLOATS_D, 0)).intoArray(dy, off + j);
        }
        scalar.normGradientRow(dy, xhat, off + vectorEnd, count - vectorEnd, params, gammaOff + vectorEnd, meanGrad,
                meanGradTimesXhat, rstd);
    }

    /*
     * FloatExp.exp written out on lanes, operation for operation (the same bits), in two loops: e^r and the rounder
     * sum t, then the scaling by 2^n read from t. In one loop C2 ran out of its inlining budget in some JVMs and
     * boxed the reinterpretation of t (VectorBoxingCheck: 30 KB and 12 µs instead of 5 per 512x10 call).
     */

    /** {@code values[i] = e^r} and {@code rounded[i - from] = t} for the clamped input (see FloatExp#exp). */
    private static void expReducedLoop(float[] values, float[] rounded, int from, int to) {
        FloatVector log2e = FloatVector.broadcast(FLOATS, FloatExp.LOG2E);
        FloatVector rounder = FloatVector.broadcast(FLOATS, FloatExp.ROUNDER);
        FloatVector ln2Hi = FloatVector.broadcast(FLOATS, FloatExp.LN2_HI);
        FloatVector ln2Lo = FloatVector.broadcast(FLOATS, FloatExp.LN2_LO);
        FloatVector p0 = FloatVector.broadcast(FLOATS, FloatExp.P0);
        FloatVector p1 = FloatVector.broadcast(FLOATS, FloatExp.P1);
        FloatVector p2 = FloatVector.broadcast(FLOATS, FloatExp.P2);
        FloatVector p3 = FloatVector.broadcast(FLOATS, FloatExp.P3);
        FloatVector p4 = FloatVector.broadcast(FLOATS, FloatExp.P4);
        FloatVector p5 = FloatVector.broadcast(FLOATS, FloatExp.P5);
        FloatVector one = FloatVector.broadcast(FLOATS, 1f);
        FloatVector lowest = FloatVector.broadcast(FLOATS, FloatExp.LOWEST);
        FloatVector highest = FloatVector.broadcast(FLOATS, FloatExp.HIGHEST);
        for (int i = from; i < to; i += LANES) {
            FloatVector x = FloatVector.fromArray(FLOATS, values, i).lanewise(MAX, lowest).lanewise(MIN, highest);
            FloatVector t = x.lanewise(MUL, log2e).lanewise(ADD, rounder);
            FloatVector n = t.lanewise(SUB, rounder);
            FloatVector r = x.lanewise(SUB, n.lanewise(MUL, ln2Hi));
            r = r.lanewise(SUB, n.lanewise(MUL, ln2Lo));
            FloatVector p = p0.lanewise(MUL, r).lanewise(ADD, p1);
            p = p.lanewise(MUL, r).lanewise(ADD, p2);
            p = p.lanewise(MUL, r).lanewise(ADD, p3);
            p = p.lanewise(MUL, r).lanewise(ADD, p4);
            p = p.lanewise(MUL, r).lanewise(ADD, p5);
            p.lanewise(MUL, r.lanewise(MUL, r)).lanewise(ADD, r).lanewise(ADD, one).intoArray(values, i);
            t.intoArray(rounded, i - from);
        }
    }

    /** {@code values[i] *= 2^n}, n in the low bits of {@code rounded[i - from]}, as two factors (see FloatExp#exp). */
    private static void expScaleLoop(float[] values, float[] rounded, int from, int to) {
        IntVector rounderBits = IntVector.broadcast(INTS, FloatExp.ROUNDER_BITS);
        IntVector exponentBias = IntVector.broadcast(INTS, 127);
        IntVector exponentUnit = IntVector.broadcast(INTS, 1 << 23);
        IntVector lowestFirst = IntVector.broadcast(INTS, FloatExp.LOWEST_FIRST_EXPONENT);
        IntVector highestFirst = IntVector.broadcast(INTS, 127);
        for (int i = from; i < to; i += LANES) {
            IntVector k = ((IntVector) FloatVector.fromArray(FLOATS, rounded, i - from).reinterpretShape(INTS, 0))
                    .lanewise(SUB, rounderBits);
            IntVector a = k.lanewise(MAX, lowestFirst).lanewise(MIN, highestFirst);
            FloatVector scaleA = (FloatVector) a.lanewise(ADD, exponentBias).lanewise(MUL, exponentUnit)
                    .reinterpretShape(FLOATS, 0);
            FloatVector scaleB = (FloatVector) k.lanewise(SUB, a).lanewise(ADD, exponentBias).lanewise(MUL, exponentUnit)
                    .reinterpretShape(FLOATS, 0);
            FloatVector.fromArray(FLOATS, values, i).lanewise(MUL, scaleA).lanewise(MUL, scaleB).intoArray(values, i);
        }
    }
}
