package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.CastCounts;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.ops.Reductions;

/**
 * The computing form of {@link LinearSpec}. Mixed run: the input is cast to 16-bit codes (kept for backward), multiplied
 * with the 16-bit weight codes with FP32 accumulation, the product rounded to the low precision (an
 * overflow becomes ±inf and is detected downstream), then the bias added and the sum rounded again.
 */
final class LinearLayer implements Layer, ActivationMemory {
    private final String spec;
    private final int in;
    private final int out;
    private final int weightOffset;
    private final int biasOffset;
    private SavedTensor savedInput;
    private int savedRows;

    LinearLayer(String spec, int in, int out, int paramOffset) {
        this.spec = spec;
        this.in = in;
        this.out = out;
        this.weightOffset = paramOffset;
        this.biasOffset = paramOffset + in * out;
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
    public float[] forward(ComputeContext ctx, float[] input, int rows) {
        Checks.requireRows(spec, "input", input, rows, in);
        Checks.requireParams(spec, ctx.weights().values(), weightOffset, in * out + out);
        Precision matmul = ctx.precisionOf(OpClass.MATMUL);
        Precision pointwise = ctx.precisionOf(OpClass.POINTWISE);
        float[] output = new float[rows * out];
        savedInput = SavedTensor.keep(matmul, input, rows * in);
        savedRows = rows;
        if (matmul.isLow()) {
            ctx.gemm().multiply(matmul, false, false, rows, out, in,
                    savedInput.codes(), 0, ctx.weights().codes(), weightOffset, output, 0, false);
            for (int i = 0; i < output.length; i++) {
                output[i] = matmul.round(output[i]);
            }
        } else {
            ctx.gemm().multiply(false, false, rows, out, in,
                    savedInput.floats(), 0, ctx.weights().values(), weightOffset, output, 0, false);
        }
        Elementwise.addRowBias(output, rows, out, ctx.weights().values(), biasOffset, pointwise);
        return output;
    }

    @Override
    public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
        Checks.requireForward(spec, savedInput);
        Checks.requireSameRows(spec, savedRows, rows);
        Checks.requireRows(spec, "output gradient", gradOutput, rows, out);
        Checks.requireParams(spec, paramGrads, weightOffset, in * out + out);
        Precision matmul = savedInput.precision();
        int count = rows * out;
        float[] gradInput = needInputGrad ? new float[rows * in] : null;
        if (matmul.isLow()) {
            short[] gradCodes = new short[count];
            CastCounts counts = Elementwise.encodeCountingUnderflow(matmul, gradOutput, count, gradCodes);
            ctx.stats().recordGradientCast(counts.nonZero(), counts.underflowed());
            // dW[in x out] += X^T · dY, FP32 accumulation straight into the FP32 gradient buffer.
            ctx.gemm().multiply(matmul, true, false, in, out, rows,
                    savedInput.codes(), 0, gradCodes, 0, paramGrads, weightOffset, true);
            if (gradInput != null) {
                ctx.gemm().multiply(matmul, false, true, rows, in, out,
                        gradCodes, 0, ctx.weights().codes(), weightOffset, gradInput, 0, false);
                for (int i = 0; i < gradInput.length; i++) {
                    gradInput[i] = matmul.round(gradInput[i]);
                }
            }
        } else {
            ctx.gemm().multiply(true, false, in, out, rows,
                    savedInput.floats(), 0, gradOutput, 0, paramGrads, weightOffset, true);
            if (gradInput != null) {
                ctx.gemm().multiply(false, true, rows, in, out,
                        gradOutput, 0, ctx.weights().values(), weightOffset, gradInput, 0, false);
            }
        }
        Reductions.addColumnSums(gradOutput, rows, out, paramGrads, biasOffset);
        return gradInput;
    }

    @Override
    public long savedActivationBytes() {
        return savedInput == null ? 0 : savedInput.bytes();
    }

    /** The saved input (package-private for tests). */
    SavedTensor savedInput() {
        return savedInput;
    }
}
