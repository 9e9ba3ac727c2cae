package io.sparkamp.core.optim;

import io.sparkamp.core.numeric.Vectorization;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * The Adam update shared by {@link Adam} and {@link AdamW} (PyTorch {@code torch.optim.Adam}, amsgrad off):
 *
 * <pre>
 *   t = t + 1
 *   m = beta1 * m + (1 - beta1) * g
 *   v = beta2 * v + (1 - beta2) * g * g
 *   p = p - (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * </pre>
 *
 * eps is added after the square root of the bias-corrected v, as PyTorch does. The moments are FP32 even in a
 * half-precision run: v holds squared gradients, which for |g| &lt; 2^-12 fall below FP16's smallest subnormal
 * (about 6e-8) and flush to zero, and eps = 1e-8 itself is not representable in FP16 either, so an FP16
 * denominator can become 0 and the update infinite. Each element is computed in double from the FP32 values and
 * rounded once when stored ({@link AdamElements}: on the Vector API where the incubator module is present, the
 * same bits either way).
 */
final class AdamMoments {
    private static final Logger LOG = LoggerFactory.getLogger(AdamMoments.class);
    private static final String VECTOR_CLASS = "io.sparkamp.core.optim.VectorAdamElements";
    private static final AdamElements ELEMENTS = Vectorization.choose("Adam update", VECTOR_CLASS, AdamElements.class,
            new ScalarAdamElements(), LOG, AdamElements::name);
    static final String M = "m";
    static final String V = "v";

    /** The element loop this JVM runs (for benchmarks). */
    static AdamElements elements() {
        return ELEMENTS;
    }

    private final String kind;
    private final int parameterCount;
    private final double beta1;
    private final double beta2;
    private final double eps;
    private float[] m;
    private float[] v;
    private long steps;

    AdamMoments(String kind, int parameterCount, OptimizerConfig config) {
        OptimizerSupport.checkParameterCount(parameterCount);
        OptimizerSupport.checkConfig(config);
        if (!kind.equals(config.kind())) {
            throw new IllegalArgumentException(kind + " needs optimizer.kind " + kind + ", got " + config.kind());
        }
        this.kind = kind;
        this.parameterCount = parameterCount;
        this.beta1 = config.beta1();
        this.beta2 = config.beta2();
        this.eps = config.eps();
        this.m = new float[parameterCount];
        this.v = new float[parameterCount];
    }

    int parameterCount() {
        return parameterCount;
    }

    /**
     * One Adam step. {@code coupledDecay} is added to the gradient as {@code coupledDecay * p} (Adam's L2);
     * {@code decoupledDecay} first shrinks the parameter by the factor {@code 1 - lr * decoupledDecay} (AdamW).
     */
    void step(float[] params, float[] grads, float lr, double coupledDecay, double decoupledDecay) {
        OptimizerSupport.checkStep(kind, parameterCount, params, grads, lr);
        steps++;
        double biasCorrection1 = 1.0 - Math.pow(beta1, steps);
        double biasCorrection2Sqrt = Math.sqrt(1.0 - Math.pow(beta2, steps));
        double stepSize = lr / biasCorrection1;
        double shrink = 1.0 - lr * decoupledDecay;
        AdamElements.AdamCoefficients c = new AdamElements.AdamCoefficients(beta1, beta2, eps, coupledDecay, biasCorrection2Sqrt,
                stepSize, shrink);
        // Every element is updated on its own, so splitting the range over threads changes no bit.
        int chunks = (int) Math.min(Runtime.getRuntime().availableProcessors(), (parameterCount + CHUNK - 1L) / CHUNK);
        if (chunks <= 1) {
            ELEMENTS.update(params, grads, m, v, 0, parameterCount, c);
            return;
        }
        IntStream.range(0, chunks).parallel().forEach(k -> ELEMENTS.update(params, grads, m, v,
                (int) ((long) k * parameterCount / chunks), (int) ((long) (k + 1) * parameterCount / chunks), c));
    }

    /** The smallest range worth a thread of its own. */
    private static final int CHUNK = 1 << 16;

    OptimizerState state() {
        Map<String, float[]> slots = new LinkedHashMap<>();
        slots.put(M, m.clone());
        slots.put(V, v.clone());
        return new OptimizerState(kind, steps, slots);
    }

    void restore(OptimizerState state) {
        OptimizerSupport.checkRestore(kind, parameterCount, state, M, V);
        m = state.slots().get(M).clone();
        v = state.slots().get(V).clone();
        steps = state.steps();
    }
}
