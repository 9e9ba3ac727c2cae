package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.CastCounts;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;

/**
 * The computing form of {@link LinearSpec}. Mixed run: the input, rounded to the low precision (16-bit
 * codes, or FP32 values already rounded where the kernel computes in FP32), is kept for backward as it
 * was given when it already is in that form, multiplied with the low-precision weights with FP32
 * accumulation, the bias (a low-precision weight too) added to the FP32 product and the sum rounded once to
 * the low precision, as PyTorch's {@code addmm} does (an overflow becomes ±inf and is detected downstream).
 * Where the kernel does that in its multiply ({@link io.sparkamp.core.ops.Gemm#fusesBias}: oneDNN's bias
 * argument and ReLU post-op, in an FP32 run or where it stores 16-bit products itself), the output is written
 * once, by the GEMM. Where it computes 16-bit inputs in FP32, it adds the bias and applies the ReLU to the
 * FP32 sum and one pass rounds that in place; otherwise a pass over the FP32 product adds the bias and
 * rounds. Where the kernel rounds a 16-bit product itself ({@link io.sparkamp.core.ops.Gemm#roundsProduct}),
 * the input gradient comes out of the GEMM as 16-bit codes, half the bytes to write and read back, with no
 * rounding pass. Next to a ReLU (linked by {@link Sequential}) the forward also applies the ReLU after it,
 * and the rounding of the input gradient applies the mask of the ReLU before it: the same values as the
 * separate passes, fewer trips through memory.
 */
final class LinearLayer implements Layer, ActivationMemory {
    private final String spec;
    private final int in;
    private final int out;
    private final int weightOffset;
    private final int biasOffset;
    /** The matmul operand of the last forward (the caller's matrix, or this layer's converted copy). */
    private Matrix savedInput;
    private Precision savedPrecision;
    /** This layer's bias as floats, copied out of the step's weights at every forward. */
    private final float[] bias;
    /** The ReLU right after this layer, whose forward this layer's epilogue does in the same pass (or null). */
    private ReluLayer nextRelu;
    /** The ReLU right before this layer, whose mask this layer applies while it rounds the input gradient (or null). */
    private ReluLayer previousRelu;

    LinearLayer(String spec, int in, int out, int paramOffset) {
        this.spec = spec;
        this.in = in;
        this.out = out;
        this.weightOffset = paramOffset;
        this.biasOffset = paramOffset + in * out;
        this.bias = new float[out];
    }

    @Override
    public int inputSize() {
        return in;
    }

    @Override
    public int outputSize() {
        return out;
    }

    @Override
    public String name() {
        return spec;
    }

    /** The kernel's operand storage: 16-bit codes it multiplies as they are, or FP32 it computes in. */
    @Override
    public Precision inputStorage(ComputeContext ctx) {
        return ctx.gemm().operandStorage(ctx.precisionOf(OpClass.MATMUL));
    }

    @Override
    public Matrix forward(ComputeContext ctx, Matrix input) {
        Checks.requireCols(spec, "input", input, in);
        Checks.requireParams(spec, ctx.weights().size(), weightOffset, in * out + out);
        Precision matmul = ctx.precisionOf(OpClass.MATMUL);
        Precision pointwise = ctx.precisionOf(OpClass.POINTWISE);
        Precision storage = ctx.gemm().operandStorage(matmul);
        Workspace ws = ctx.workspace();
        int rows = input.rows();
        Matrix x = operand(ws, input, matmul, storage, "input");
        boolean codes = productsAsCodes(ctx, matmul, storage);
        if (biasInGemm(ctx, matmul, pointwise, storage, codes)) {
            // The kernel adds the bias, applies the ReLU and rounds as it stores the product: one write of the output.
            Matrix y = ws.matrix(this, "output", storage, rows, out);
            if (nextRelu != null) {
                nextRelu.forwardWithoutMask(rows);
            }
            ctx.gemm().multiplyAddBias(matmul, false, false, rows, out, in, x, weights(ctx, storage),
                    ctx.weights(storage).slice(biasOffset, 1, out), nextRelu != null, y);
            return finishForward(x, matmul, storage.isLow() ? y : y.markRoundedTo(pointwise));
        }
        if (roundsAfterFusedBias(ctx, matmul, pointwise, storage)) {
            // 16-bit values held as FP32, computed in FP32: the kernel adds the bias and applies the ReLU to the FP32
            // sum as it stores it, and one pass rounds that in place. Where the Linear layer after the ReLU masks its
            // input gradient by its saved input (this output), the ReLU keeps no bits and the pass only rounds.
            Matrix y = ws.matrix(this, "output", Precision.FP32, rows, out);
            boolean bits = !nextRelu.isMaskedByNextLayer();
            long[] positive = bits ? nextRelu.maskFor(rows) : null;
            if (!bits) {
                nextRelu.forwardWithoutMask(rows);
            }
            ctx.gemm().multiplyAddBias(matmul, false, false, rows, out, in, x, weights(ctx, storage),
                    ctx.weights(storage).slice(biasOffset, 1, out), true, y);
            if (bits) {
                Elementwise.relu(y, pointwise, y, positive);
            } else {
                Elementwise.round(y, pointwise, y);
            }
            return finishForward(x, matmul, y.markRoundedTo(pointwise));
        }
        // The product stays FP32 here even where the kernel could round it: the bias is added before the one rounding.
        Matrix product = ws.matrix(this, "product", Precision.FP32, rows, out);
        ctx.gemm().multiply(matmul, false, false, rows, out, in, x, weights(ctx, storage), product, false);
        Precision outStorage = pointwise.isLow() && storage == pointwise ? pointwise : Precision.FP32;
        Matrix y = ws.matrix(this, "output", outStorage, rows, out);
        long[] positive = null;
        if (nextRelu != null) {
            // The output is then the next Linear layer's saved input as it is (16-bit codes of the matmul precision),
            // and that layer masks its input gradient by it: no bits to keep.
            if (codes && outStorage == matmul && nextRelu.isMaskedByNextLayer()) {
                nextRelu.forwardWithoutMask(rows);
            } else {
                positive = nextRelu.maskFor(rows);
            }
        }
        ctx.weights().copyValues(biasOffset, bias, 0, out);
        Elementwise.biasEpilogue(product, bias, 0, pointwise, y, nextRelu != null, positive);
        return finishForward(x, matmul, y.storage().isLow() ? y : y.markRoundedTo(pointwise));
    }

    /** Keeps the matmul operand for backward and hands the ReLU after this layer its output, computed here. */
    private Matrix finishForward(Matrix x, Precision matmul, Matrix result) {
        savedInput = x;
        savedPrecision = matmul;
        if (nextRelu != null) {
            nextRelu.acceptFusedForward(result);
        }
        return result;
    }

    /**
     * Whether the GEMM adds the bias (and applies the ReLU after this layer) itself: a kernel that fuses them for
     * this precision, whose result is the layer's output as it stands (FP32 in an FP32 run, 16-bit codes where the
     * kernel rounds 16-bit products), and no ReLU bits needed (none after this layer, or one whose mask the
     * Linear layer after it applies from its saved input, which is this layer's output).
     */
    private boolean biasInGemm(ComputeContext ctx, Precision matmul, Precision pointwise, Precision storage, boolean codes) {
        return pointwise == matmul && (matmul.isLow() ? codes : storage == Precision.FP32) && ctx.gemm().fusesBias(matmul)
                && (nextRelu == null || nextRelu.isMaskedByNextLayer());
    }

    /**
     * Whether the GEMM adds the bias and applies the ReLU after this layer to an FP32 sum that a pass then rounds
     * to 16 bits: a 16-bit run whose kernel computes in FP32 on operands held as FP32 values. Only with a ReLU
     * after this layer; a last layer keeps the one pass that adds the bias and rounds. The same answer in forward
     * and backward of one run, which the ReLU's missing bits rely on.
     */
    private boolean roundsAfterFusedBias(ComputeContext ctx, Precision matmul, Precision pointwise, Precision storage) {
        return matmul.isLow() && pointwise == matmul && storage == Precision.FP32 && nextRelu != null
                && ctx.gemm().fusesBias(matmul);
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireForward(spec, savedInput);
        Checks.requireSameRows(spec, savedInput.rows(), gradOutput.rows());
        Checks.requireCols(spec, "output gradient", gradOutput, out);
        Checks.requireParams(spec, paramGrads, weightOffset, in * out + out);
        Precision matmul = savedPrecision;
        Precision storage = savedInput.storage();
        Workspace ws = ctx.workspace();
        int rows = gradOutput.rows();
        Matrix biasGrads = paramGrads.slice(biasOffset, 1, out);
        Matrix g;
        if (!matmul.isLow()) {
            g = operand(ws, gradOutput, matmul, storage, "gradOperand");
            Elementwise.addColumnSums(gradOutput, biasGrads);
        } else if (gradOutput.storage() == storage && gradOutput.isExactIn(matmul)) {
            // Already 16-bit values (a rounded input gradient of the layer after): the cast loses nothing, and
            // the non-zero count comes with the bias gradient's pass.
            g = gradOutput;
            ctx.stats().recordGradientCast(Elementwise.addColumnSums(gradOutput, biasGrads), 0);
        } else {
            // The cast of the gradient to 16 bits is where values underflow: count it.
            g = ws.matrix(this, "gradOperand", storage, rows, out);
            CastCounts counts = Elementwise.convert(gradOutput, matmul, g);
            ctx.stats().recordGradientCast(counts.nonZero(), counts.underflowed());
            Elementwise.addColumnSums(gradOutput, biasGrads);
        }
        // dW[in x out] += X^T · dY, FP32 accumulation straight into the FP32 gradient buffer.
        ctx.gemm().multiply(matmul, true, false, in, out, rows, savedInput, g, paramGrads.slice(weightOffset, in, out), true);
        Matrix gradInput = null;
        if (needInputGrad) {
            boolean codes = productsAsCodes(ctx, matmul, storage);
            Matrix product = ws.matrix(this, codes ? "gradInput" : "gradProduct", codes ? matmul : Precision.FP32, rows, in);
            ctx.gemm().multiply(matmul, false, true, rows, in, out, g, weights(ctx, storage), product, false);
            if (codes) { // rounded by the GEMM: masking it is exact and can be done in place
                gradInput = product;
                if (previousRelu != null) {
                    if (previousRelu.maskKept()) {
                        Elementwise.maskScale(product, previousRelu.positive(), 1f, matmul, product);
                    } else { // the ReLU's output is this layer's saved input: positive there, positive before it
                        Elementwise.maskPositive(product, savedInput, product);
                    }
                    previousRelu.acceptMaskedGradient(gradInput);
                }
            } else if (matmul.isLow()) {
                // FP32 storage (a kernel that computes in FP32): rounded where the product lies, as an FP32 run masks
                // it there; a second buffer would only add its cache misses. 16-bit storage: rounded into codes.
                gradInput = storage == Precision.FP32 ? product : ws.matrix(this, "gradInput", storage, rows, in);
                if (previousRelu != null && !previousRelu.maskKept()) {
                    // The ReLU kept no bits: its output, this layer's saved input (FP32 values), is the mask.
                    Elementwise.maskPositiveRound(product, savedInput, matmul, gradInput);
                } else if (previousRelu != null) { // round and mask in one pass; the ReLU then passes it on
                    Elementwise.maskScale(product, previousRelu.positive(), 1f, matmul, gradInput);
                } else if (gradInput == product) {
                    Elementwise.round(product, matmul, product);
                } else {
                    Elementwise.convert(product, matmul, gradInput);
                }
                gradInput = gradInput.storage().isLow() ? gradInput : gradInput.markRoundedTo(matmul);
                if (previousRelu != null) {
                    previousRelu.acceptMaskedGradient(gradInput);
                }
            } else {
                gradInput = product;
                if (previousRelu != null && !previousRelu.maskKept()) {
                    // The ReLU kept no bits (the GEMM applied it): its output, this layer's saved input, is the mask.
                    Elementwise.maskPositive(product, savedInput, product);
                    previousRelu.acceptMaskedGradient(product);
                }
            }
        }
        return gradInput;
    }

    /** Lets this layer's epilogue do the forward of {@code relu}, the layer right after it. */
    void fuseActivation(ReluLayer relu) {
        nextRelu = relu;
    }

    /** Lets this layer apply the mask of {@code relu}, the layer right before it, to the input gradient it rounds. */
    void fuseInputGradientMask(ReluLayer relu) {
        previousRelu = relu;
        relu.maskedByNextLayer();
    }

    /**
     * Whether the GEMM hands this layer's products back as 16-bit codes: operands held as {@code matmul} codes
     * and a kernel that rounds such products. The same answer in forward and backward of one run, which the
     * ReLU between two Linear layers relies on (its bits are skipped in forward only when the layer after it
     * masks by its saved input in backward).
     */
    private static boolean productsAsCodes(ComputeContext ctx, Precision matmul, Precision storage) {
        return matmul.isLow() && storage == matmul && ctx.gemm().roundsProduct(matmul);
    }

    /** {@code m} as a {@code precision} operand held as {@code storage}: itself when it already is one, else converted. */
    private Matrix operand(Workspace ws, Matrix m, Precision precision, Precision storage, String slot) {
        if (m.storage() == storage && m.isExactIn(precision)) {
            return m;
        }
        Matrix converted = ws.matrix(this, slot, storage, m.rows(), m.cols());
        Elementwise.convert(m, precision, converted);
        return converted.storage().isLow() ? converted : converted.markRoundedTo(precision);
    }

    private Matrix weights(ComputeContext ctx, Precision storage) {
        return ctx.weights(storage).slice(weightOffset, in, out);
    }

    @Override
    public long savedActivationBytes() {
        return savedInput == null ? 0 : savedInput.bytes();
    }

    /** A copy of the saved input (package-private for tests). */
    SavedTensor savedInput() {
        return SavedTensor.of(savedPrecision, savedInput);
    }
}
