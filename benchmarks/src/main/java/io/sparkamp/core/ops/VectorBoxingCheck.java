package io.sparkamp.core.ops;

import io.sparkamp.core.loss.Loss;
import io.sparkamp.core.loss.Losses;
import io.sparkamp.core.numeric.LowPrecisionArrays;
import io.sparkamp.core.numeric.LowPrecisionBuffers;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.optim.AdamUpdateProbe;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Whether the Vector API loops still box their vectors once everything a training run executes has run in
 * the same JVM: every pointwise pass of a 512×512 layer in each storage, the column sums (half-width
 * vectors), the conversions, the gradient passes and the Adam update, round-robin, then, per pass, the
 * bytes it allocates per call and its median µs per call. A pass that allocates in steady state is
 * boxing (see docs/vector-code.md); the exit status is 1 when one does.
 *
 * <pre>
 * java -Xmx2g --add-modules jdk.incubator.vector --add-opens=java.base/java.nio=ALL-UNNAMED \
 *     -cp benchmarks/target/benchmarks.jar io.sparkamp.core.ops.VectorBoxingCheck [--rounds 600]
 * </pre>
 */
public final class VectorBoxingCheck {
    private static final int ROWS = 512;
    private static final int COLS = 512;
    private static final int PARAMETERS = 535_818;
    /** More than this per call is more than a pass's result objects and scratch: vectors are being boxed (MBs per call). */
    private static final long BOXING_BYTES = 64 * 1024;
    /**
     * The same for the passes over the 512x10 logits: a vector boxed per 16 lanes is 30 KB per call there, and their
     * own allocations are under 1 KB.
     */
    private static final long SMALL_PASS_BOXING_BYTES = 4 * 1024;

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final Map<String, Runnable> passes = new LinkedHashMap<>();
    /** Held for the whole run: the matrices' off-heap memory lives as long as their workspace. */
    private final Workspace workspace = Workspace.offHeap();

    public static void main(String[] args) {
        int rounds = args.length == 2 && args[0].equals("--rounds") ? Integer.parseInt(args[1]) : 600;
        System.exit(new VectorBoxingCheck().run(rounds) ? 0 : 1);
    }

    private VectorBoxingCheck() {
        ElementwiseKernel kernel = ElementwiseKernels.vector().instance();
        SplittableRandom random = new SplittableRandom(1);
        float[] bias = new float[COLS];
        for (int j = 0; j < COLS; j++) {
            bias[j] = Precision.BF16.round((float) random.nextGaussian() * 0.1f);
        }
        long[] mask = new long[ROWS * COLS / 64];
        Matrix product = workspace.matrix(this, "product", Precision.FP32, ROWS, COLS);
        for (int i = 0; i < product.size(); i++) {
            product.set(i, (float) random.nextGaussian());
        }
        Matrix sums = workspace.matrix(this, "sums", Precision.FP32, 1, COLS);
        for (Precision storage : List.of(Precision.BF16, Precision.FP16, Precision.FP32)) {
            for (Precision rounding : storage.isLow() ? List.of(storage) : List.of(Precision.FP32, Precision.FP16, Precision.BF16)) {
                String name = storage.isLow() ? storage.name().toLowerCase() + " codes"
                        : rounding == Precision.FP32 ? "fp32" : rounding.name().toLowerCase() + " as floats";
                Matrix activation = workspace.matrix(this, name + " activation", storage, ROWS, COLS);
                Matrix out = workspace.matrix(this, name + " out", storage, ROWS, COLS);
                for (int i = 0; i < activation.size(); i++) {
                    activation.set(i, rounding.round((float) random.nextGaussian()));
                }
                Matrix rounded = storage.isLow() ? activation : activation.markRoundedTo(rounding); // as a layer marks it
                passes.put("bias epilogue + ReLU, " + name, () -> kernel.biasEpilogue(product, bias, 0, rounding, out, true, mask));
                passes.put("ReLU, " + name, () -> kernel.relu(rounded, rounding, out, mask));
                if (!storage.isLow() && rounding.isLow()) { // a sum the GEMM added the bias to, rounded in place
                    passes.put("ReLU rounding in place, " + name, () -> kernel.relu(out, rounding, out, mask));
                    passes.put("round in place, " + name, () -> kernel.round(out, rounding, out));
                    passes.put("mask by positive output + round, " + name,
                            () -> kernel.maskPositiveRound(product, activation, rounding, out));
                }
                passes.put("mask, " + name, () -> kernel.maskScale(product, mask, 1f, rounding, out));
                passes.put("cast, " + name, () -> kernel.convert(product, rounding, out));
                passes.put("column sums, " + name, () -> kernel.addColumnSums(activation, sums));
                if (storage.isLow()) { // an output whose ReLU keeps no bits, and an input gradient the GEMM rounded to codes
                    Matrix gradient = workspace.matrix(this, name + " gradient", storage, ROWS, COLS);
                    passes.put("bias epilogue + ReLU, no bits, " + name,
                            () -> kernel.biasEpilogue(product, bias, 0, storage, out, true, null));
                    passes.put("mask in place, " + name, () -> kernel.maskScale(gradient, mask, 1f, storage, gradient));
                    passes.put("mask by positive output in place, " + name, () -> kernel.maskPositive(gradient, activation, gradient));
                    Matrix wide = workspace.matrix(this, name + " wide", Precision.FP32, ROWS, COLS);
                    passes.put("widen, " + name, () -> kernel.convert(activation, Precision.FP32, wide));
                    // A dropout on codes: forward into codes, backward into FP32.
                    passes.put("dropout, " + name, () -> kernel.maskScale(activation, mask, 1.25f, storage, out));
                    passes.put("dropout backward into fp32, " + name, () -> kernel.maskScale(activation, mask, 1.25f,
                            Precision.FP32, wide));
                    passes.put("decode off-heap, " + name, () -> LowPrecisionBuffers.decode(storage, activation.buffer(), 0,
                            wide.buffer(), 0, ROWS * COLS));
                    passes.put("encode off-heap, " + name, () -> LowPrecisionBuffers.encode(storage, wide.buffer(), 0,
                            out.buffer(), 0, ROWS * COLS));
                }
            }
        }
        float[] gradient = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            gradient[i] = (float) random.nextGaussian() * 1e-3f;
        }
        short[] codes = new short[PARAMETERS];
        float[] decoded = new float[PARAMETERS];
        GradientPasses gradientPasses = GradientPasses.selected();
        passes.put("gradient unscale + check + squares", () -> gradientPasses.scaleAndSumSquares(gradient, 1.0));
        passes.put("gradient sum of squares", () -> gradientPasses.sumOfSquares(gradient, 0, PARAMETERS));
        for (Precision precision : List.of(Precision.BF16, Precision.FP16)) {
            String name = precision.name().toLowerCase();
            passes.put("weights encode " + name, () -> LowPrecisionArrays.encode(precision, gradient, 0, codes, 0, PARAMETERS));
            passes.put("weights decode " + name, () -> LowPrecisionArrays.decode(precision, codes, 0, decoded, 0, PARAMETERS));
            passes.put("round in place " + name, () -> LowPrecisionArrays.roundInPlace(precision, decoded, 0, PARAMETERS));
        }
        // A layer norm's per-value work on a 512x512 batch, row by row (the row sums stay in the layer).
        float[] normInput = new float[ROWS * COLS];
        float[] normParams = new float[2 * COLS];
        for (int i = 0; i < normInput.length; i++) {
            normInput[i] = (float) random.nextGaussian();
        }
        for (int j = 0; j < normParams.length; j++) {
            normParams[j] = 1f + (float) random.nextGaussian() * 0.1f;
        }
        float[] normXhat = new float[ROWS * COLS];
        float[] normOut = new float[ROWS * COLS];
        float[] normGradient = new float[ROWS * COLS];
        double[] gammaGrad = new double[COLS];
        double[] betaGrad = new double[COLS];
        passes.put("layer norm rows", () -> {
            for (int r = 0; r < ROWS; r++) {
                kernel.normalizeRow(normInput, r * COLS, COLS, 0.1, 1.2, normParams, 0, COLS, normXhat, normOut);
            }
        });
        double[] rowStatistics = new double[ROWS];
        passes.put("layer norm row mean and variance", () -> {
            for (int r = 0; r < ROWS; r++) {
                double mean = kernel.sum(normInput, r * COLS, COLS) / COLS;
                rowStatistics[r] = kernel.sumOfSquaredDeviations(normInput, r * COLS, COLS, mean);
            }
        });
        passes.put("layer norm gradients", () -> {
            System.arraycopy(normOut, 0, normGradient, 0, normGradient.length);
            for (int r = 0; r < ROWS; r++) {
                kernel.accumulateNormGradients(normGradient, normXhat, r * COLS, COLS, gammaGrad, betaGrad);
                kernel.normGradientRow(normGradient, normXhat, r * COLS, COLS, normParams, 0, 0.01, 0.02, 1.2);
            }
        });
        double[] backwardSums = new double[2];
        passes.put("layer norm backward row sums", () -> {
            for (int r = 0; r < ROWS; r++) {
                kernel.normGradientSums(normOut, normXhat, r * COLS, COLS, normParams, 0, backwardSums);
            }
        });
        // The smooth activations, forward and backward, over the layer norm's 512x512 inputs.
        float[] smoothValues = new float[ROWS * COLS];
        for (SmoothFunction f : SmoothFunction.values()) {
            passes.put(f.name().toLowerCase(Locale.ROOT) + " forward", () -> {
                System.arraycopy(normInput, 0, smoothValues, 0, smoothValues.length);
                kernel.smooth(f, smoothValues, 0, smoothValues.length);
            });
            passes.put(f.name().toLowerCase(Locale.ROOT) + " backward", () -> {
                System.arraycopy(normOut, 0, smoothValues, 0, smoothValues.length);
                kernel.smoothGradient(f, smoothValues, normInput, 0, smoothValues.length);
            });
        }
        // The classifier's last layer: 10 columns, narrower than a vector.
        int classes = 10;
        float[] logits = new float[ROWS * classes];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian() * 3;
        }
        Matrix narrowProduct = workspace.matrix(this, "narrow product", Precision.FP32, ROWS, classes);
        Matrix narrowOut = workspace.matrix(this, "narrow out", Precision.FP16, ROWS, classes);
        narrowProduct.writeFloats(logits, 0);
        float[] narrowBias = new float[classes];
        passes.put("bias epilogue 512x10, fp16 codes", () -> kernel.biasEpilogue(narrowProduct, narrowBias, 0, Precision.FP16,
                narrowOut, false, null));
        // Softmax cross-entropy over those logits: its FP32 exponential pass alone, then the whole loss with its gradient.
        float[] shifted = new float[logits.length];
        for (int i = 0; i < shifted.length; i++) {
            shifted[i] = -Math.abs(logits[i]);
        }
        float[] exps = new float[logits.length];
        passes.put("exp 512x10 (softmax)", () -> {
            System.arraycopy(shifted, 0, exps, 0, exps.length);
            kernel.exp(exps, 0, exps.length);
        });
        Loss softmax = Losses.byName("softmax_ce");
        float[] targets = new float[ROWS];
        for (int r = 0; r < ROWS; r++) {
            targets[r] = random.nextInt(classes);
        }
        float[] lossGradient = new float[logits.length];
        passes.put("softmax cross-entropy 512x10 + gradient", () -> softmax.sumAndGradient(logits, targets, ROWS, classes,
                1f / 4096, lossGradient));
        AdamUpdateProbe adam = new AdamUpdateProbe(PARAMETERS);
        passes.put("Adam update, " + adam.name(), adam);
    }

    private boolean run(int rounds) {
        int measured = Math.max(rounds / 5, 20);
        Map<String, long[]> nanos = new LinkedHashMap<>();
        Map<String, long[]> bytes = new LinkedHashMap<>();
        passes.keySet().forEach(k -> {
            nanos.put(k, new long[measured]);
            bytes.put(k, new long[measured]);
        });
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Runnable> pass : passes.entrySet()) {
                long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
                long start = System.nanoTime();
                pass.getValue().run();
                long elapsed = System.nanoTime() - start;
                long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
                int slot = r - (rounds - measured);
                if (slot >= 0) {
                    nanos.get(pass.getKey())[slot] = elapsed;
                    bytes.get(pass.getKey())[slot] = allocated;
                }
            }
        }
        System.out.printf("%d rounds of %d passes; the last %d measured (median µs per call, bytes allocated per call)%n%n",
                rounds, passes.size(), measured);
        System.out.println("| pass | µs | bytes per call | boxing |");
        System.out.println("|---|---|---|---|");
        List<String> boxing = new ArrayList<>();
        for (String pass : passes.keySet()) {
            long[] time = nanos.get(pass).clone();
            Arrays.sort(time);
            long perCall = Arrays.stream(bytes.get(pass)).sum() / measured;
            boolean boxes = perCall > (pass.contains("512x10") ? SMALL_PASS_BOXING_BYTES : BOXING_BYTES);
            if (boxes) {
                boxing.add(pass);
            }
            System.out.printf("| %s | %.1f | %d | %s |%n", pass, time[measured / 2] / 1e3, perCall, boxes ? "YES" : "no");
        }
        System.out.println();
        System.out.println(boxing.isEmpty() ? "no pass boxes its vectors" : "boxing: " + String.join(", ", boxing));
        return boxing.isEmpty();
    }
}
