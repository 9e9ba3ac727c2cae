package io.sparkamp.benchmarks;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.ShortPointer;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ShortBuffer;
import java.util.concurrent.TimeUnit;

/**
 * What it costs to hand a Java short[] to oneDNN, which cannot read a heap array across JNI calls:
 * JavaCPP's bulk put into malloc'd memory (what OneDnnGemmKernel does) against a put into a direct
 * ByteBuffer that a JavaCPP pointer wraps without copying, and the float result copied back.
 * Sizes: the largest operands of the MLP step (X of layer 1 is 512×784; C of layer 1 is 512×512).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Thread)
public class NativeCopyBenchmark {
    @Param({"401408", "262144"})
    public int count;

    private short[] codes;
    private float[] floats;
    private ShortPointer malloced;
    private ShortBuffer direct;
    private ShortPointer wrapped;
    private FloatPointer result;

    @Setup
    public void setUp() {
        // JavaCPP's own JNI library comes with a preset; load the one the kernel uses.
        Loader.load(org.bytedeco.dnnl.global.dnnl.class);
        codes = new short[count];
        floats = new float[count];
        for (int i = 0; i < count; i++) {
            codes[i] = (short) (i * 31);
            floats[i] = i;
        }
        malloced = new ShortPointer(count);
        direct = ByteBuffer.allocateDirect(count * 2).order(ByteOrder.nativeOrder()).asShortBuffer();
        wrapped = new ShortPointer(direct);
        result = new FloatPointer(count);
        result.put(floats, 0, count);
    }

    @TearDown
    public void tearDown() {
        malloced.close();
        result.close();
    }

    @Benchmark
    public ShortPointer shortsIntoJavacppMemory() {
        return malloced.position(0).put(codes, 0, count);
    }

    @Benchmark
    public ShortPointer shortsIntoWrappedDirectBuffer() {
        direct.clear();
        direct.put(codes, 0, count);
        return wrapped;
    }

    @Benchmark
    public float[] floatsBackFromJavacppMemory() {
        result.position(0).get(floats, 0, count);
        return floats;
    }
}
