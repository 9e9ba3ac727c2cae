package io.sparkamp.core.numeric;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * FP32 ⇄ FP16/BF16 conversion (and rounding in place) of 262,144 values (one 512×512 activation) by the scalar and the Vector API
 * implementations, over Java arrays and over off-heap buffers. In the engine's package so it can run both
 * implementations side by side in one JVM (the engine itself uses only the one selected at start-up).
 * Reported as µs per call.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class ConversionBenchmark {
    static final int SIZE = 512 * 512;

    @Param({"scalar", "vector"})
    public String implementation;

    @Param({"fp16", "bf16"})
    public String format;

    private CodeConverter converter;
    private Precision precision;
    private float[] floats;
    private short[] codes;
    private ByteBuffer floatBuffer;
    private ByteBuffer codeBuffer;

    @Setup
    public void setUp() {
        converter = implementation.equals("scalar") ? CodeConverters.scalar() : CodeConverters.vector().instance();
        if (converter == null) {
            throw new IllegalStateException("no vector converter: " + CodeConverters.vector().reason());
        }
        precision = Precision.parse(format, "format");
        SplittableRandom random = new SplittableRandom(1);
        floats = new float[SIZE];
        for (int i = 0; i < SIZE; i++) {
            floats[i] = (float) (random.nextGaussian() * 0.05);
        }
        codes = LowPrecisionArrays.encode(precision, floats);
        floatBuffer = ByteBuffer.allocateDirect(SIZE * 4).order(ByteOrder.nativeOrder());
        codeBuffer = ByteBuffer.allocateDirect(SIZE * 2).order(ByteOrder.nativeOrder());
        floatBuffer.asFloatBuffer().put(floats);
        codeBuffer.asShortBuffer().put(codes);
    }

    @Benchmark
    public short[] encodeArray() {
        converter.encode(precision, floats, 0, codes, 0, SIZE);
        return codes;
    }

    @Benchmark
    public float[] decodeArray() {
        converter.decode(precision, codes, 0, floats, 0, SIZE);
        return floats;
    }

    @Benchmark
    public float[] roundArray() {
        converter.round(precision, floats, 0, SIZE);
        return floats;
    }

    @Benchmark
    public ByteBuffer encodeOffHeap() {
        converter.encode(precision, floatBuffer, 0, codeBuffer, 0, SIZE);
        return codeBuffer;
    }

    @Benchmark
    public ByteBuffer decodeOffHeap() {
        converter.decode(precision, codeBuffer, 0, floatBuffer, 0, SIZE);
        return floatBuffer;
    }
}
