package io.sparkamp.benchmarks;

import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.ops.Elementwise;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The classifier's loss on one micro-batch of the Fashion-MNIST MLP (512 rows, 10 classes): softmax
 * cross-entropy with its gradient, as a worker calls it; the FP32 exponential pass over those 5,120 logits;
 * and, for scale, the JDK's {@code Math.exp} (in double) over the same values. Run against another build's
 * amp-core by putting its jar first on the class path (the loss benchmark uses the public API only).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class SoftmaxLossBenchmark {
    private static final int ROWS = 512;
    private static final int CLASSES = 10;

    private final Loss loss = Losses.byName("softmax_ce");
    private float[] logits;
    private float[] targets;
    private float[] gradient;
    private float[] shifted;
    private float[] exps;

    @Setup
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        logits = new float[ROWS * CLASSES];
        shifted = new float[logits.length];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) (random.nextDouble(-1, 1) * 6);
            shifted[i] = -Math.abs(logits[i]);
        }
        targets = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            targets[r] = random.nextInt(CLASSES);
        }
        gradient = new float[logits.length];
        exps = new float[logits.length];
    }

    @Benchmark
    public double lossAndGradient() {
        return loss.sumAndGradient(logits, targets, ROWS, CLASSES, 1f / 4096, gradient);
    }

    @Benchmark
    public float[] fp32ExpPass() {
        System.arraycopy(shifted, 0, exps, 0, exps.length);
        Elementwise.exp(exps, 0, exps.length);
        return exps;
    }

    @Benchmark
    public float[] mathExpLoop() {
        for (int i = 0; i < exps.length; i++) {
            exps[i] = (float) Math.exp(shifted[i]);
        }
        return exps;
    }
}
