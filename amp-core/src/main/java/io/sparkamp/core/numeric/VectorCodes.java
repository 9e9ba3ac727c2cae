package io.sparkamp.core.numeric;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The vector shapes the FP16/BF16 loops of this package and of {@code ops} use, and the rules those loops
 * follow. Only classes loaded where {@code jdk.incubator.vector} is present may refer to it (see
 * {@link Vectorization}).
 *
 * <p>A float's bits and a 16-bit code each sit in one int lane, so one vector of {@link #INTS} lanes
 * converts as many values as a float vector holds. The rounding is the scalar converters' rule, lane by
 * lane: exactly round-to-nearest-even, with subnormals, ±infinity, overflow to infinity and NaN payloads
 * as {@link Fp16#fromFloat} and {@link Bf16#fromFloat} keep them. The formulas, written out in each loop:
 * <ul>
 *   <li><b>BF16 rounding</b>: add {@code 0x7fff} plus the lowest kept bit (ties to even) and keep the top
 *       16 bits; a NaN keeps its top bits, with the quiet bit set when they would read as infinity.</li>
 *   <li><b>FP16 rounding without the code</b>, by the FPU: adding 1.5·2^(e+13), where 2^e is the value's
 *       power of two (at least 2^-14, the subnormal range's fixed spacing; at most 2^15), leaves the sum's
 *       last mantissa bit worth FP16's ulp 2^(e-10), so the add's round-to-nearest-even is FP16's and
 *       subtracting it again is exact; multiplying by 2^112 and back turns 65520 and more into infinity and
 *       leaves everything below exact. The same bits as decoding the encoded value.</li>
 *   <li><b>FP16 encoding</b>: re-bias and round the normal range in integers; below 2^-14 the half is a
 *       multiple of 2^-24, and adding 0.5 makes the float's last bit 2^-24, so the add rounds as FP16 does
 *       and the sum's low bits are the code.</li>
 *   <li><b>FP16 decoding</b>: the code's exponent and mantissa moved into a float's places is the value
 *       times 2^-112 (a subnormal code lands on a float subnormal), so one exact multiply by 2^112
 *       re-biases normals and normalises subnormals; exponent 31 (infinity, NaN) becomes 255.</li>
 * </ul>
 *
 * <p><b>How every vector loop of the project is written</b> (the why, with measurements, is in
 * docs/vector-code.md): an operand is a vector ({@code IntVector.broadcast(INTS, c)}, usually a named local
 * set before the loop), never a scalar such as {@code v.and(0x7fff)}; a masked operation is a blend and an
 * unmasked one ({@code n.add(zero.blend(one, m))}, not {@code n.add(one, m)}); lanes change type with
 * {@code reinterpretShape(INTS, 0)}, never {@code reinterpretAsInts()}; a NaN test is
 * {@code v.compare(NE, v)}, never {@code test(IS_NAN)}; and no method of ours that takes or returns a
 * vector sits in a hot loop (the JDK's are force-inlined, ours may not be). The forms avoided reach C2
 * through calls it resolves from a type profile shared by every vector of an element type; once two shapes
 * of that type have run in the JVM (the double-lane sums and updates use half-width float and int
 * vectors), C2 boxes the vector on every iteration and the loop runs 5-15x slower.
 * {@code VectorBoxingCheck} (benchmarks) shows whether any loop still does.
 */
public final class VectorCodes {
    /** Int lanes of the widest vector this CPU and JVM run well. */
    public static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    /** Float lanes, as many as {@link #INTS}. */
    public static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
    /** Short lanes, as many as {@link #INTS} (half the bits). */
    public static final VectorSpecies<Short> SHORTS =
            VectorSpecies.of(short.class, VectorShape.forBitSize(INTS.vectorBitSize() / 2));
    /** Values per vector. */
    public static final int LANES = INTS.length();

    private VectorCodes() {
    }
}
