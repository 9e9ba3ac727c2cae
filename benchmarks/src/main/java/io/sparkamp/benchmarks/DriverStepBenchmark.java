package io.sparkamp.benchmarks;

import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.optim.OptimizerConfig;
import io.sparkamp.core.optim.ScheduleConfig;
import io.sparkamp.core.scaling.LossScaler;
import io.sparkamp.core.scaling.ScalerConfig;
import io.sparkamp.core.train.GradientPartial;
import io.sparkamp.core.train.OptimizerStep;
import io.sparkamp.core.train.TrainingState;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The driver's serial part of one step of the Fashion-MNIST MLP (535,818 parameters), the part the tasks
 * wait for: sum the partials in partition order, unscale and check them and take their norm, Adam on the
 * FP32 master, cast the master to the next step's precision. Each invocation gets partials as the tasks
 * send them (scaled by 2^16), copied in before it is timed.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "-XX:G1HeapRegionSize=16m", "-XX:InlineSmallCode=6000", "-XX:PerMethodTrapLimit=10000", "--add-modules", "jdk.incubator.vector"})
@State(Scope.Thread)
public class DriverStepBenchmark {
    private static final int PARAMETERS = 535_818;

    @Param({"fp32", "fp16", "bf16"})
    public String precision;

    /** Partials per step: one per task. */
    @Param({"2"})
    public int partitions;

    private Precision stepPrecision;
    private TrainingState state;
    private OptimizerStep step;
    private float[][] sent;
    private List<GradientPartial> partials;

    @Setup(Level.Trial)
    public void setUp() {
        stepPrecision = Precision.parse(precision, "precision");
        SplittableRandom random = new SplittableRandom(17);
        float[] master = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            master[i] = (float) (random.nextGaussian() * 0.05);
        }
        state = TrainingState.fresh(master, OptimizerConfig.defaults("adam").create(PARAMETERS),
                new LossScaler(ScalerConfig.dynamicDefaults()));
        step = new OptimizerStep(ScheduleConfig.constant(1e-3f).create(), 0, false);
        sent = new float[partitions][PARAMETERS];
        partials = new ArrayList<>();
        for (int p = 0; p < partitions; p++) {
            for (int i = 0; i < PARAMETERS; i++) {
                sent[p][i] = (float) (random.nextGaussian() * 1e-3 * 65536);
            }
            partials.add(new GradientPartial(PARAMETERS));
        }
    }

    /** The partials as they arrive: the driver sums into the first and unscales in place. */
    @Setup(Level.Invocation)
    public void arrive() {
        for (int p = 0; p < partitions; p++) {
            System.arraycopy(sent[p], 0, partials.get(p).gradients(), 0, PARAMETERS);
        }
    }

    @Benchmark
    public WorkingWeights driverStep() {
        step.apply(state, GradientPartial.sumInOrder(partials));
        return WorkingWeights.cast(state.master(), stepPrecision);
    }
}
