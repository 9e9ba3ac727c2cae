package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Vectorization;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The passes over the whole flat gradient that every step makes (the Fashion-MNIST MLP has 535,818
 * parameters): the driver's unscale with its finite check and the norm's sum of squares in one read, the
 * sum of squares alone; scalar against Vector API, and the single-chain sum of squares the norm used before.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GradientPassesBenchmark {
    @Param({"scalar", "vector"})
    public String implementation;

    @Param({"535818"})
    public int count;

    private GradientPasses passes;
    private float[] gradient;

    @Setup
    public void setUp() {
        passes = implementation.equals("scalar") ? GradientPasses.scalar()
                : Vectorization.load(GradientPasses.Selected.VECTOR_CLASS, GradientPasses.class).instance();
        if (passes == null) {
            throw new IllegalStateException("no Vector API here: run with --add-modules jdk.incubator.vector");
        }
        SplittableRandom random = new SplittableRandom(3);
        gradient = new float[count];
        for (int i = 0; i < count; i++) {
            gradient[i] = (float) (random.nextGaussian() * 1e-3);
        }
    }

    /** The driver's unscale, finite check and norm's sum of squares, one read of the gradient. */
    @Benchmark
    public double unscaleAndSumSquares() {
        return passes.scaleAndSumSquares(gradient, 1.0); // a factor of 1 keeps the values the same from call to call
    }

    @Benchmark
    public double sumOfSquares() {
        return passes.sumOfSquares(gradient, 0, count);
    }

    /** The norm's loop before: one chain of double additions, each waiting for the last. */
    @Benchmark
    public double sumOfSquaresOneChain() {
        double total = 0.0;
        for (int i = 0; i < count; i++) {
            double v = gradient[i];
            total += v * v;
        }
        return total;
    }
}
