package io.sparkamp.spark.inference;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.nn.ComputeContext;
import io.sparkamp.core.nn.LinearSpec;
import io.sparkamp.core.nn.ModelSpec;
import io.sparkamp.core.nn.Sequential;
import io.sparkamp.core.nn.WorkingWeights;
import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.GemmProviders;

import java.util.SplittableRandom;

/**
 * The engine's forward pass for scoring: a model instance bound to working weights, under the autocast
 * policy of one precision, dropout off. Inputs are rounded to that precision first, as the training cache
 * stores them, so a model scores rows exactly as its evaluation saw them. One per thread.
 */
public final class ForwardPass {
    private final Sequential network;
    private final ComputeContext context;
    private final Precision precision;
    /** A first linear layer rounds its input itself (it keeps 16-bit codes of it); other first layers need it done here. */
    private final boolean roundInputs;

    public ForwardPass(ModelSpec model, Precision precision, String kernel, WorkingWeights weights) {
        this.network = model.instantiate();
        this.context = new ComputeContext(AutocastPolicy.forPrecision(precision), new Gemm(GemmProviders.select(kernel)), weights,
                false, new SplittableRandom(0));
        this.precision = precision;
        this.roundInputs = precision.isLow() && !(model.layers().get(0) instanceof LinearSpec);
    }

    /** A pass over {@code model}'s weights cast to {@code precision}. */
    public static ForwardPass of(TrainedModel model, Precision precision) {
        return new ForwardPass(model.spec(), precision, model.kernel(), WorkingWeights.cast(model.weightsView(), precision));
    }

    /**
     * The outputs ({@code rows} x outputSize, row-major) of the first {@code rows} rows of {@code x}; {@code x}
     * may be rounded in place.
     */
    public float[] run(float[] x, int rows) {
        if (roundInputs) {
            LowPrecisionArrays.roundInPlace(precision, x, 0, rows * network.spec().inputSize());
        }
        return network.forward(context, x, rows);
    }
}
