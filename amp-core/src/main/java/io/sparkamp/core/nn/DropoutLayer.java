package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Elementwise;
import io.sparkamp.core.tensor.Matrix;

/** The computing form of {@link DropoutSpec}: applies the mask in training, the identity in evaluation. */
final class DropoutLayer extends ShapePreservingLayer {
    private final double probability;
    private final float scale;
    /** Kept values of the last training forward; null after an evaluation forward (identity). */
    private long[] kept;
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
        kept = Elementwise.newMask(count);
        for (int i = 0; i < count; i++) {
            if (ctx.random().nextDouble() >= probability) {
                Elementwise.set(kept, i);
            }
        }
        Precision storage = input.storage();
        Precision roundTo = storage.isLow() ? storage : ctx.precisionOf(OpClass.POINTWISE);
        Matrix out = ctx.workspace().matrix(this, "output", storage, input.rows(), size);
        Elementwise.maskScale(input, kept, scale, roundTo, out);
        return storage.isLow() ? out : out.markRoundedTo(roundTo);
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
        return kept == null ? 0 : 8L * kept.length;
    }

    /** Whether value {@code i} was kept by the last training forward (package-private for tests). */
    boolean wasKept(int i) {
        return kept == null || Elementwise.isSet(kept, i);
    }
}
