package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.tensor.Matrix;

/**
 * The computing form of {@link ReluSpec}: keeps one bit per value (was it positive) for backward. The
 * output keeps the input's storage (ReLU of a 16-bit value is one), rounded to the pointwise precision.
 * Between two Linear layers whose products the GEMM rounds to 16-bit codes, or whose GEMM applies this
 * ReLU itself (an FP32 run with the bias and ReLU in oneDNN's store), no bits are kept: the Linear
 * after it masks its input gradient by its own saved input, which is this layer's output (positive output,
 * positive input).
 */
final class ReluLayer extends ShapePreservingLayer {
    private long[] positive = new long[0];
    private int maskWords;
    private int savedRows = -1;
    /** An output the Linear layer before computed with this ReLU already applied (its epilogue filled the mask). */
    private Matrix fusedOutput;
    /** An input gradient the Linear layer after already masked with this layer's mask. */
    private Matrix maskedGradient;
    /** Whether the last forward kept its bits (false: the Linear layer after masks by its saved input). */
    private boolean maskKept;
    /** Whether a Linear layer right after this one masks the input gradient it computes (set by {@link Sequential}). */
    private boolean maskedByNext;

    ReluLayer(int size) {
        super(size);
    }

    @Override
    public String name() {
        return ReluSpec.KIND;
    }

    @Override
    public Matrix forward(ComputeContext ctx, Matrix input) {
        Checks.requireCols(ReluSpec.KIND, "input", input, size);
        if (input == fusedOutput) {
            fusedOutput = null;
            return input;
        }
        maskFor(input.rows());
        Precision roundTo = input.storage().isLow() ? input.storage() : ctx.precisionOf(OpClass.POINTWISE);
        Matrix out = ctx.workspace().matrix(this, "output", input.storage(), input.rows(), size);
        Elementwise.relu(input, roundTo, out, positive);
        return out.storage().isLow() ? out : out.markRoundedTo(roundTo);
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireForward(ReluSpec.KIND, savedRows < 0 ? null : this);
        Checks.requireSameRows(ReluSpec.KIND, savedRows, gradOutput.rows());
        Checks.requireCols(ReluSpec.KIND, "output gradient", gradOutput, size);
        if (!needInputGrad) {
            return null;
        }
        if (gradOutput == maskedGradient) {
            maskedGradient = null;
            return gradOutput;
        }
        if (!maskKept) {
            throw new IllegalStateException(ReluSpec.KIND + ": the last forward kept no mask (the Linear layer after it was to "
                    + "mask the gradient), but got a gradient it did not mask");
        }
        // Masking is exact: the gradient keeps its storage and rounding; the cast to 16 bits happens, and
        // is counted, at the next matmul.
        Precision storage = gradOutput.storage();
        Matrix out = ctx.workspace().matrix(this, "gradInput", storage, gradOutput.rows(), size);
        Elementwise.maskScale(gradOutput, positive, 1f, storage.isLow() ? storage : Precision.FP32, out);
        return storage.isLow() ? out : out.markRoundedTo(gradOutput.roundedTo());
    }

    /** The mask of the next forward of {@code rows} rows, for the Linear layer that computes it (see {@link #acceptFusedForward}). */
    long[] maskFor(int rows) {
        maskWords = (rows * size + 63) >>> 6;
        if (positive.length < maskWords) {
            positive = new long[maskWords];
        }
        savedRows = rows;
        maskKept = true;
        return positive;
    }

    /** The next forward, of {@code rows} rows, keeps no bits: the Linear layer after this one masks by its saved input. */
    void forwardWithoutMask(int rows) {
        if (!maskedByNext) {
            throw new IllegalStateException(ReluSpec.KIND + ": no Linear layer after it masks the gradient; the mask is needed");
        }
        maskWords = 0;
        savedRows = rows;
        maskKept = false;
    }

    /** A Linear layer right after this one masks the input gradient it computes ({@link LinearLayer#fuseInputGradientMask}). */
    void maskedByNextLayer() {
        maskedByNext = true;
    }

    boolean isMaskedByNextLayer() {
        return maskedByNext;
    }

    /** Whether the last forward kept its bits in {@link #positive()}. */
    boolean maskKept() {
        return maskKept;
    }

    /** {@code output} is this ReLU's output already: the next forward given it passes it on. */
    void acceptFusedForward(Matrix output) {
        fusedOutput = output;
    }

    /** The bits of the positive inputs of the last forward. */
    long[] positive() {
        return positive;
    }

    /** {@code gradient} is already masked: the next backward given it passes it on. */
    void acceptMaskedGradient(Matrix gradient) {
        maskedGradient = gradient;
    }

    @Override
    public long savedActivationBytes() {
        return savedRows < 0 || !maskKept ? 0 : 8L * maskWords;
    }
}
