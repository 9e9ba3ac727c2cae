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
 * The pointwise passes on the Vector API: values travel as int lanes (a float's bits or a 16-bit code),
 * converted with {@link VectorCodes}, so one loop serves every storage. The last {@code size % LANES}
 * elements (and rows narrower than a vector) go through {@link ScalarElementwise}, which computes the
 * same bits. Loaded by name from {@link ElementwiseKernels} only where the incubator module is present.
 */
final class VectorElementwise implements ElementwiseKernel {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /** Lane l holds 1 << l: a compare mask blended onto it and OR-reduced gives the mask's bits. */
    private static final IntVector BIT_OF_LANE = laneBits();
    private static final int LANE_MASK = LANES == 32 ? -1 : (1 << LANES) - 1;
    /** Doubles per vector, and float/int/short species with as many lanes (for FP32 -> double sums). */
    private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS_D = VectorSpecies.of(float.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 2));
    private static final VectorSpecies<Integer> INTS_D = VectorSpecies.of(int.class, FLOATS_D.vectorShape());
    private static final VectorSpecies<Short> SHORTS_D = VectorSpecies.of(short.class,
            VectorShape.forBitSize(DOUBLES.vectorBitSize() / 4));

    private final ScalarElementwise tail = new ScalarElementwise();

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
    public void biasEpilogue(Matrix product, Precision matmul, float[] bias, int biasOff, Precision pointwise, Matrix out) {
        int cols = product.cols();
        int vectorCols = cols - cols % LANES;
        ByteBuffer c = product.buffer();
        ByteBuffer o = out.buffer();
        Precision storage = out.storage();
        for (int r = 0; r < product.rows(); r++) {
            int base = r * cols;
            for (int j = 0; j < vectorCols; j += LANES) {
                FloatVector v = VectorCodes.round(matmul, VectorCodes.loadFloats(c, base + j));
                v = v.add(FloatVector.fromArray(FLOATS, bias, biasOff + j));
                store(o, storage, pointwise, base + j, v);
            }
        }
        if (vectorCols < cols) {
            for (int r = 0; r < product.rows(); r++) {
                int first = r * cols + vectorCols;
                int width = cols - vectorCols;
                tail.biasEpilogue(product.slice(first, 1, width), matmul, bias, biasOff + vectorCols, pointwise,
                        out.slice(first, 1, width));
            }
        }
    }

    @Override
    public void relu(Matrix in, Precision roundTo, Matrix out, long[] positive) {
        int count = in.size();
        int vectorEnd = count - count % 64; // whole mask words in vectors, the last partial word scalar
        ByteBuffer src = in.buffer();
        ByteBuffer dst = out.buffer();
        Precision from = in.storage();
        Precision to = out.storage();
        Precision rounding = in.isExactIn(roundTo) ? Precision.FP32 : roundTo;
        int limit = from.isLow() ? (from == Precision.FP16 ? 0x7c00 : 0x7f80) : 0x7f80_0000; // +infinity
        for (int word = 0; word < vectorEnd; word += 64) {
            long bits = 0;
            for (int i = word; i < word + 64; i += LANES) {
                IntVector v = from.isLow() ? VectorCodes.loadCodes(src, i) : VectorCodes.loadFloats(src, i).reinterpretAsInts();
                // Positive, infinity included, NaN and both zeros excluded: 0 < bits <= +infinity as signed ints.
                VectorMask<Integer> pos = v.compare(VectorOperators.GT, 0).and(v.compare(VectorOperators.LE, limit));
                IntVector kept = IntVector.zero(INTS).blend(v, pos);
                if (from == to) {
                    storeLanes(dst, to, rounding, i, kept);
                } else {
                    FloatVector values = from.isLow() ? VectorCodes.decode(from, kept).reinterpretAsFloats() : kept.reinterpretAsFloats();
                    store(dst, to, rounding, i, values);
                }
                bits |= (long) (IntVector.zero(INTS).blend(BIT_OF_LANE, pos).reduceLanes(VectorOperators.OR) & LANE_MASK) << (i - word);
            }
            positive[word >>> 6] = bits;
        }
        if (vectorEnd < count) {
            long[] last = new long[1];
            tail.relu(in.slice(vectorEnd, 1, count - vectorEnd), roundTo, out.slice(vectorEnd, 1, count - vectorEnd), last);
            positive[vectorEnd >>> 6] = last[0];
        }
    }

    @Override
    public void maskScale(Matrix in, long[] mask, float scale, Precision roundTo, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % 64;
        ByteBuffer src = in.buffer();
        ByteBuffer dst = out.buffer();
        Precision from = in.storage();
        Precision to = out.storage();
        boolean copyLanes = scale == 1f && from == to && in.isExactIn(roundTo);
        for (int word = 0; word < vectorEnd; word += 64) {
            long bits = mask[word >>> 6];
            for (int i = word; i < word + 64; i += LANES) {
                VectorMask<Integer> set = BIT_OF_LANE.and((int) (bits >>> (i - word))).compare(VectorOperators.NE, 0);
                if (copyLanes) { // masking is exact: move the raw lanes
                    IntVector v = from.isLow() ? VectorCodes.loadCodes(src, i) : VectorCodes.loadFloats(src, i).reinterpretAsInts();
                    storeLanes(dst, to, Precision.FP32, i, IntVector.zero(INTS).blend(v, set));
                } else {
                    FloatVector v = load(src, from, i).mul(scale);
                    store(dst, to, roundTo, i, FloatVector.zero(FLOATS).blend(v, set.cast(FLOATS)));
                }
            }
        }
        if (vectorEnd < count) {
            long[] last = {mask[vectorEnd >>> 6]};
            tail.maskScale(in.slice(vectorEnd, 1, count - vectorEnd), last, scale, roundTo, out.slice(vectorEnd, 1, count - vectorEnd));
        }
    }

    @Override
    public CastCounts convert(Matrix in, Precision roundTo, Matrix out) {
        int count = in.size();
        int vectorEnd = count - count % LANES;
        ByteBuffer src = in.buffer();
        ByteBuffer dst = out.buffer();
        Precision from = in.storage();
        Precision to = out.storage();
        boolean inPlace = in == out;
        IntVector nonZero = IntVector.zero(INTS);
        IntVector underflowed = IntVector.zero(INTS);
        for (int i = 0; i < vectorEnd; i += LANES) {
            FloatVector x = load(src, from, i);
            IntVector magnitude = x.reinterpretAsInts().and(0x7fff_ffff);
            VectorMask<Integer> isNonZero = magnitude.compare(VectorOperators.NE, 0);
            IntVector result;
            if (inPlace) {
                result = magnitude;
            } else if (to.isLow()) {
                IntVector codes = VectorCodes.encode(to, x.reinterpretAsInts());
                VectorCodes.storeCodes(codes, dst, i);
                result = codes.and(0x7fff);
            } else {
                FloatVector rounded = VectorCodes.round(roundTo, x);
                VectorCodes.storeFloats(rounded, dst, i);
                result = rounded.reinterpretAsInts().and(0x7fff_ffff);
            }
            nonZero = nonZero.lanewise(VectorOperators.ADD, 1, isNonZero);
            underflowed = underflowed.lanewise(VectorOperators.ADD, 1, isNonZero.and(result.compare(VectorOperators.EQ, 0)));
        }
        CastCounts counts = new CastCounts(nonZero.reduceLanesToLong(VectorOperators.ADD),
                underflowed.reduceLanesToLong(VectorOperators.ADD));
        if (vectorEnd < count) {
            Matrix restIn = in.slice(vectorEnd, 1, count - vectorEnd);
            CastCounts rest = tail.convert(restIn, roundTo, inPlace ? restIn : out.slice(vectorEnd, 1, count - vectorEnd));
            counts = new CastCounts(counts.nonZero() + rest.nonZero(), counts.underflowed() + rest.underflowed());
        }
        return counts;
    }

    @Override
    public void addColumnSums(Matrix in, Matrix dst) {
        int cols = in.cols();
        int lanes = DOUBLES.length();
        int vectorCols = cols - cols % lanes;
        double[] sums = new double[cols];
        ByteBuffer src = in.buffer();
        Precision from = in.storage();
        for (int r = 0; r < in.rows(); r++) {
            int base = r * cols;
            for (int j = 0; j < vectorCols; j += lanes) {
                FloatVector x;
                if (from.isLow()) {
                    IntVector codes = (IntVector) ShortVector.fromByteBuffer(SHORTS_D, src, (base + j) * 2, ORDER)
                            .convertShape(VectorOperators.S2I, INTS_D, 0);
                    x = VectorCodes.decode(from, codes).reinterpretAsFloats();
                } else {
                    x = FloatVector.fromByteBuffer(FLOATS_D, src, (base + j) * 4, ORDER);
                }
                DoubleVector wide = (DoubleVector) x.convertShape(VectorOperators.F2D, DOUBLES, 0);
                DoubleVector.fromArray(DOUBLES, sums, j).add(wide).intoArray(sums, j);
            }
            for (int j = vectorCols; j < cols; j++) {
                sums[j] += in.get(base + j);
            }
        }
        ByteBuffer d = dst.buffer();
        for (int j = 0; j < cols; j++) {
            d.putFloat(j * 4, (float) (d.getFloat(j * 4) + sums[j]));
        }
    }

    private static FloatVector load(ByteBuffer b, Precision storage, int i) {
        return storage.isLow() ? VectorCodes.decode(storage, VectorCodes.loadCodes(b, i)).reinterpretAsFloats()
                : VectorCodes.loadFloats(b, i);
    }

    /** Stores values: encoded into codes, or as floats rounded to {@code roundTo}. */
    private static void store(ByteBuffer b, Precision storage, Precision roundTo, int i, FloatVector v) {
        if (storage.isLow()) {
            VectorCodes.storeCodes(VectorCodes.encode(storage, v.reinterpretAsInts()), b, i);
        } else {
            VectorCodes.storeFloats(VectorCodes.round(roundTo, v), b, i);
        }
    }

    /** Stores lanes that already hold the storage's bits (codes, or float bits rounded to {@code roundTo} on the way). */
    private static void storeLanes(ByteBuffer b, Precision storage, Precision roundTo, int i, IntVector lanes) {
        if (storage.isLow()) {
            VectorCodes.storeCodes(lanes, b, i);
        } else {
            VectorCodes.storeFloats(VectorCodes.round(roundTo, lanes.reinterpretAsFloats()), b, i);
        }
    }
}
