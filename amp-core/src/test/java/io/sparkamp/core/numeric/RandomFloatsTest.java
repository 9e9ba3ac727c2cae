package io.sparkamp.core.numeric;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * Ten million random floats per case, encoded and rounded by every bulk conversion path
 * ({@link Converters#paths}) and checked against every independent reference (a rounded value must be
 * the value of the code): {@link Binary16Reference} for FP16 and BF16, and the
 * JDK's {@code Float.floatToFloat16} for FP16 where the JDK has it ({@link JdkFloat16}). The inputs mix
 * uniform bit patterns with the places where rounding is hard for each format.
 */
class RandomFloatsTest {
    private static final int COUNT = 10_000_000;
    private static final int CHUNK = 1 << 16;

    /** One checked combination: a format, the reference it is checked against, and the path under test. */
    record Case(Precision format, String reference, Converters.Path path) {
        @Override
        public String toString() {
            return format + " vs " + reference + ", " + path;
        }
    }

    static List<Case> cases() {
        List<Case> cases = new ArrayList<>();
        for (Converters.Path path : Converters.paths()) {
            cases.add(new Case(Precision.FP16, "Binary16Reference", path));
            cases.add(new Case(Precision.BF16, "Binary16Reference", path));
            cases.add(new Case(Precision.FP16, "JDK", path));
        }
        return cases;
    }

    @ParameterizedTest
    @MethodSource("cases")
    void everyPathRoundsLikeTheReference(Case c) {
        boolean jdk = c.reference().equals("JDK");
        if (jdk) {
            JdkFloat16.require();
        }
        Binary16Reference reference = c.format() == Precision.FP16 ? Binary16Reference.FP16 : Binary16Reference.BF16;
        SplittableRandom random = new SplittableRandom(c.format() == Precision.FP16 ? (jdk ? 0x1d_f16L : 0x5eed_f16L) : 0xbf16L);
        float[] values = new float[CHUNK];
        for (int done = 0; done < COUNT; done += CHUNK) {
            int n = Math.min(CHUNK, COUNT - done);
            float[] chunk = n == CHUNK ? values : new float[n];
            for (int i = 0; i < n; i++) {
                chunk[i] = c.format() == Precision.FP16 ? fp16Input(random, done + i) : bf16Input(random, done + i);
            }
            short[] actual = c.path().encode(c.format(), chunk);
            float[] rounded = c.path().round(c.format(), chunk);
            for (int i = 0; i < n; i++) {
                float x = chunk[i];
                boolean ok;
                if (jdk) {
                    ok = sameHalf(x, actual[i], JdkFloat16.floatToFloat16(x));
                } else if (Float.isNaN(x)) {
                    ok = reference.isNaNCode(actual[i] & 0xffff) && (actual[i] < 0) == (Float.floatToRawIntBits(x) < 0);
                } else {
                    ok = (actual[i] & 0xffff) == reference.encode(x);
                }
                float back = c.format().decode(actual[i]);
                if (ok && Float.floatToRawIntBits(rounded[i]) != Float.floatToRawIntBits(back)) {
                    fail(c + ": round(" + chunk[i] + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(chunk[i])) + ") gave "
                            + rounded[i] + ", not the value of its code, " + back);
                }
                if (!ok) {
                    fail(c + ": encode(" + x + " = 0x" + Integer.toHexString(Float.floatToRawIntBits(x)) + ") gave 0x"
                            + Integer.toHexString(actual[i] & 0xffff)
                            + (Float.isNaN(x) ? " (not a NaN of the same sign)" : ", expected 0x" + Integer.toHexString(
                                    jdk ? JdkFloat16.floatToFloat16(x) & 0xffff : reference.encode(x))));
                }
            }
        }
    }

    /** Equal codes; for NaN (where the JDK folds low payload bits into the half) both NaN with one sign. */
    static boolean sameHalf(float x, short ours, short jdk) {
        if (Float.isNaN(x)) {
            return Fp16.isNonFinite(ours) && (ours & 0x3ff) != 0 && (ours < 0) == (jdk < 0);
        }
        return ours == jdk;
    }

    private static float fp16Input(SplittableRandom random, int i) {
        int bits;
        switch (i % 3) {
            case 0: // any float at all, uniformly over bit patterns
                bits = random.nextInt();
                break;
            case 1: // exponent from below 2^-25 (rounds to zero) to above 65536 (overflows)
                bits = ((random.nextInt(-27, 18) + 127) << 23) | random.nextInt(1 << 23) | (random.nextBoolean() ? 0x8000_0000 : 0);
                break;
            default: // within a few float ulps of a halfway point between two halves
                int code = random.nextInt(Binary16Reference.FP16.infinityCode());
                bits = Float.floatToRawIntBits(Binary16Reference.FP16.midpoint(code)) + random.nextInt(-3, 4)
                        | (random.nextBoolean() ? 0x8000_0000 : 0);
                break;
        }
        return Float.intBitsToFloat(bits);
    }

    private static final int[] LOW_HALVES = {0x8000, 0x7fff, 0x8001, 0x0000, 0x0001, 0xffff};

    private static float bf16Input(SplittableRandom random, int i) {
        int bits;
        switch (i % 4) {
            case 0: // any float, uniformly over bit patterns
                bits = random.nextInt();
                break;
            case 1: // at or next to a halfway point (low 16 bits 0x8000) or a representable value
                bits = (random.nextInt() & 0xffff_0000) | LOW_HALVES[random.nextInt(LOW_HALVES.length)];
                break;
            case 2: // float subnormals and the smallest normals: bf16 subnormals and rounding into them
                bits = random.nextInt(0x0180_0000) | (random.nextBoolean() ? 0x8000_0000 : 0);
                break;
            default: // the top binade, where rounding overflows to infinity
                bits = 0x7f00_0000 | random.nextInt(0x0080_0000) | (random.nextBoolean() ? 0x8000_0000 : 0);
                break;
        }
        return Float.intBitsToFloat(bits);
    }
}
