package io.sparkamp.core.numeric;

import org.junit.jupiter.api.Assumptions;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Supplier;

/**
 * Every bulk conversion path, so the format tests run each of them: the scalar loops and the Vector API
 * loops, each over Java arrays and over off-heap buffers. A path whose implementation this JVM cannot
 * load (no {@code --add-modules jdk.incubator.vector}) is skipped with the reason, not passed silently.
 */
final class Converters {
    private Converters() {
    }

    /** One way of converting many values at once. */
    abstract static class Path {
        private final String name;
        private final Supplier<CodeConverter> converter;

        Path(String name, Supplier<CodeConverter> converter) {
            this.name = name;
            this.converter = converter;
        }

        CodeConverter converter() {
            return converter.get();
        }

        abstract short[] encode(Precision precision, float[] values);

        abstract float[] decode(Precision precision, short[] codes);

        /** {@code values} rounded to {@code precision} (a new array). */
        abstract float[] round(Precision precision, float[] values);

        @Override
        public String toString() {
            return name;
        }
    }

    /** The paths, for {@code @MethodSource}. */
    static List<Path> paths() {
        return List.of(arrays("scalar arrays", Converters::scalar), buffers("scalar off-heap buffers", Converters::scalar),
                arrays("vector arrays", Converters::vector), buffers("vector off-heap buffers", Converters::vector));
    }

    private static CodeConverter scalar() {
        return CodeConverters.scalar();
    }

    private static CodeConverter vector() {
        // Skipped only where the JVM lacks the module; with the module a load failure is a bug.
        Assumptions.assumeTrue(Vectorization.unavailableReason() == null, Vectorization::unavailableReason);
        Vectorization.Loaded<CodeConverter> loaded = CodeConverters.vector();
        if (loaded.instance() == null) {
            throw new AssertionError("the Vector API converter does not load: " + loaded.reason());
        }
        return loaded.instance();
    }

    private static Path arrays(String name, Supplier<CodeConverter> converter) {
        return new Path(name, converter) {
            @Override
            short[] encode(Precision precision, float[] values) {
                short[] out = new short[values.length];
                converter().encode(precision, values, 0, out, 0, values.length);
                return out;
            }

            @Override
            float[] decode(Precision precision, short[] codes) {
                float[] out = new float[codes.length];
                converter().decode(precision, codes, 0, out, 0, codes.length);
                return out;
            }

            @Override
            float[] round(Precision precision, float[] values) {
                float[] out = values.clone();
                converter().round(precision, out, 0, out.length);
                return out;
            }
        };
    }

    private static Path buffers(String name, Supplier<CodeConverter> converter) {
        return new Path(name, converter) {
            @Override
            short[] encode(Precision precision, float[] values) {
                ByteBuffer src = direct(values.length * 4);
                src.asFloatBuffer().put(values);
                // Write at element 3 of the destination: an offset that is not a multiple of the vector width.
                ByteBuffer dst = direct((values.length + 3) * 2);
                converter().encode(precision, src, 0, dst, 3, values.length);
                short[] out = new short[values.length];
                dst.position(6);
                dst.asShortBuffer().get(out);
                return out;
            }

            @Override
            float[] decode(Precision precision, short[] codes) {
                ByteBuffer src = direct((codes.length + 5) * 2);
                src.position(10);
                src.asShortBuffer().put(codes);
                src.position(0);
                ByteBuffer dst = direct(codes.length * 4);
                converter().decode(precision, src, 5, dst, 0, codes.length);
                float[] out = new float[codes.length];
                dst.asFloatBuffer().get(out);
                return out;
            }

            @Override
            float[] round(Precision precision, float[] values) {
                return decode(precision, encode(precision, values));
            }
        };
    }

    private static ByteBuffer direct(int bytes) {
        return ByteBuffer.allocateDirect(bytes).order(ByteOrder.nativeOrder());
    }

    /** Whether this JVM can run {@code path} (the Vector API paths need the incubator module). */
    static boolean available(Path path) {
        try {
            path.converter();
            return true;
        } catch (org.opentest4j.TestAbortedException e) {
            return false;
        }
    }

    /** {@code count} copies of {@code x}: enough for whole vectors and a scalar tail. */
    static float[] copies(float x, int count) {
        float[] out = new float[count];
        java.util.Arrays.fill(out, x);
        return out;
    }
}
