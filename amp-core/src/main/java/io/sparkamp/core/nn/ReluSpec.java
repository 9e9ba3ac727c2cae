package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.OpClass;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Elementwise;

/**
 * {@code relu}: max(x, 0). Pointwise, so in a mixed run the output is rounded to the low precision;
 * backward needs only which inputs were positive, kept as one bit per value. The gradient is masked
 * unrounded (masking is exact; the cast to 16 bits happens, and is counted, at the next matmul).
 */
public record ReluSpec() implements ShapePreservingSpec {
    public static final String KIND = "relu";

    @Override
    public String toSpec() {
        return KIND;
    }

    @Override
    public Layer bind(int inputSize, int paramOffset) {
        return new ReluLayer(outputSize(inputSize));
    }

    static final class ReluLayer implements Layer, ActivationMemory {
        private final int size;
        private long[] positive;
        private int savedRows;

        ReluLayer(int size) {
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
            Checks.requireRows(KIND, "input", input, rows, size);
            int count = rows * size;
            positive = Elementwise.newMask(count);
            savedRows = rows;
            return Elementwise.relu(input, count, ctx.precisionOf(OpClass.POINTWISE), positive);
        }

        @Override
        public float[] backward(ComputeContext ctx, float[] gradOutput, int rows, float[] paramGrads, boolean needInputGrad) {
            Checks.requireForward(KIND, positive);
            Checks.requireSameRows(KIND, savedRows, rows);
            Checks.requireRows(KIND, "output gradient", gradOutput, rows, size);
            if (!needInputGrad) {
                return null;
            }
            return Elementwise.maskAndScale(gradOutput, rows * size, positive, 1f, Precision.FP32);
        }

        @Override
        public long savedActivationBytes() {
            return positive == null ? 0 : 8L * positive.length;
        }
    }
}
