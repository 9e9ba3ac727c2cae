package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.tensor.Matrix;

import java.util.SplittableRandom;

/** The computing form of {@link DropoutSpec}: applies the mask in training, the identity in evaluation. */
final class DropoutLayer extends ShapePreservingLayer {
    private final double probability;
    private final float scale;
    /** Kept values of the last training forward; null after an evaluation forward (identity). */
    private long[] kept;
    /** The words {@link #kept} points to in training, kept across forwards (longer than needed after a larger batch). */
    private long[] maskWords = new long[0];
    private int savedRows = -1;

    DropoutLayer(double probability, int size) {
        super(size);
        this.probability = probability;
        this.scale = (float) (1.0 / (1.0 - probability));
    }

    @Override
    public String name() {
        return DropoutSpec.KIND + " " + probability;
    }

    @Override
    public Matrix forward(ComputeContext ctx, Matrix input) {
        Checks.requireCols(DropoutSpec.KIND, "input", input, size);
        int count = input.size();
        savedRows = input.rows();
        if (!ctx.training()) {
            kept = null;
            return input;
        }
        kept = keptMask(ctx.random(), count);
        Precision storage = input.storage();
        Precision roundTo = storage.isLow() ? storage : ctx.precisionOf(OpClass.POINTWISE);
        Matrix out = ctx.workspace().matrix(this, "output", storage, input.rows(), size);
        Elementwise.maskScale(input, kept, scale, roundTo, out);
        return storage.isLow() ? out : out.markRoundedTo(roundTo);
    }

    /**
     * Value {@code i} is kept when the stream's {@code i}-th draw {@code nextDouble()} is at least the probability.
     * {@code nextDouble()} is the top 53 bits of {@code nextLong()} times 2^-53, exactly, so the draw compares as
     * those bits against the probability's {@code ceil(p · 2^53)}: the same bits, a word of them at a time, in a third
     * of the time the per-value double compare took (1.3 against 0.4 ms per 512x512 mask). The words are this
     * layer's, reused from one forward to the next.
     */
    private long[] keptMask(SplittableRandom random, int count) {
        long threshold = (long) Math.ceil(probability * 0x1p53);
        int words = (count + 63) >>> 6;
        if (maskWords.length < words) {
            maskWords = Elementwise.newMask(count);
        }
        for (int w = 0; w < words; w++) {
            int inWord = Math.min(64, count - (w << 6));
            long bits = 0;
            for (int b = 0; b < inWord; b++) {
                bits |= ((random.nextLong() >>> 11) >= threshold ? 1L : 0L) << b;
            }
            maskWords[w] = bits;
        }
        return maskWords;
    }

    @Override
    public Matrix backward(ComputeContext ctx, Matrix gradOutput, Matrix paramGrads, boolean needInputGrad) {
        Checks.requireForward(DropoutSpec.KIND, savedRows < 0 ? null : this);
        Checks.requireSameRows(DropoutSpec.KIND, savedRows, gradOutput.rows());
        Checks.requireCols(DropoutSpec.KIND, "output gradient", gradOutput, size);
        if (!needInputGrad) {
            return null;
        }
        if (kept == null) {
            return gradOutput;
        }
        // The scaled gradient is not a 16-bit value: FP32, unrounded.
        Matrix out = ctx.workspace().matrix(this, "gradInput", Precision.FP32, gradOutput.rows(), size);
        Elementwise.maskScale(gradOutput, kept, scale, Precision.FP32, out);
        return out;
    }

    @Override
    public long savedActivationBytes() {
        return kept == null ? 0 : 8L * ((savedRows * size + 63) >>> 6);
    }

    /** Whether value {@code i} was kept by the last training forward (package-private for tests). */
    boolean wasKept(int i) {
        return kept == null || Elementwise.isSet(kept, i);
    }
}
