package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.ops.Elementwise;

/** The computing form of {@link DropoutSpec}: applies the mask in training, the identity in evaluation. */
final class DropoutLayer implements Layer, ActivationMemory {
    private final double probability;
    private final float scale;
    private final int size;
    /** Kept values of the last training forward; null after an evaluation forward (identity). */
    private long[] kept;
    private int savedRows = -1;

    DropoutLayer(double probability, int size) {
        this.probability = probability;
        this.scale = (float) (1.0 / (1.0 - probability));
        this.size = size;
    }

    @Override
    public int inputSize() {
        return size;
    }

    @Override
    public int outputSize() {
        return size;
    }

    @Override
    public float[] forward(ComputeContext ctx, float[] input, int rows) {
        Checks.requireRows(DropoutSpec.KIND, "input", input, rows, size);
        int count = rows * size;
        savedRows = rows;
        if (!ctx.training()) {
            kept = null;
            return java.util.Arrays.copyOf(input, count);
        }
        kept = Elementwise.newMask(count);
        for (int i = 0; i < count; i++) {
            if (ctx.random().nextDouble() >= probability) {
                Elementwise.set(kept, i);
            }
        }
        return Elementwise.maskAndScale(input, count, kept, scale, ctx.precisionOf(OpClass.POINTWISE));
    }

    @Override
    public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
        Checks.requireForward(DropoutSpec.KIND, savedRows < 0 ? null : this);
        Checks.requireSameRows(DropoutSpec.KIND, savedRows, rows);
        Checks.requireRows(DropoutSpec.KIND, "output gradient", gradOutput, rows, size);
        if (!needInputGrad) {
            return null;
        }
        int count = rows * size;
        if (kept == null) {
            return java.util.Arrays.copyOf(gradOutput, count);
        }
        float[] gradInput = new float[count];
        for (int i = 0; i < count; i++) {
            if (Elementwise.isSet(kept, i)) {
                gradInput[i] = gradOutput[i] * scale;
            }
        }
        return gradInput;
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
