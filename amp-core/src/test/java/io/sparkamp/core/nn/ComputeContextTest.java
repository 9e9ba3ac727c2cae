package io.sparkamp.core.nn;

import io.sparkamp.core.autocast.AutocastPolicy;
import io.sparkamp.core.numeric.Bf16;
import io.sparkamp.core.numeric.Fp16;
import io.sparkamp.core.numeric.Precision;
import io.sparkamp.core.ops.Gemm;
import io.sparkamp.core.ops.JavaGemmKernel;
import io.sparkamp.core.tensor.Matrix;
import io.sparkamp.core.tensor.Workspace;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The step's weights as the workspace matrix the layers multiply with: 16-bit codes, or the same numbers as
 * FP32 values for a kernel that computes in FP32 (decoded off-heap from the codes), rewritten when the
 * step's weights change. Checked against the scalar decoders, on and off the heap.
 */
class ComputeContextTest {
    private static final int PARAMETERS = 1_029; // not a multiple of any vector width

    @ParameterizedTest
    @EnumSource(value = Precision.class, names = {"FP16", "BF16"})
    void sixteenBitWeightsHeldAsFp32AreTheDecodedCodes(Precision precision) {
        try (BufferAllocator root = new RootAllocator(); Workspace offHeap = Workspace.offHeap(root, "weights")) {
            for (Workspace workspace : new Workspace[] {offHeap, Workspace.onHeap()}) {
                WorkingWeights first = WorkingWeights.cast(master(1), precision);
                Matrix values = context(first, workspace).weights(Precision.FP32);
                assertDecoded(first, values);
                assertDecoded(first, context(first, workspace).weights(Precision.FP32));

                WorkingWeights next = WorkingWeights.cast(master(2), precision);
                Matrix codes = context(next, workspace).weights(precision);
                for (int i = 0; i < PARAMETERS; i++) {
                    assertEquals(next.codes()[i], codes.buffer().getShort(i * 2), "code " + i);
                }
                assertDecoded(next, context(next, workspace).weights(Precision.FP32));
            }
        }
    }

    private static void assertDecoded(WorkingWeights weights, Matrix values) {
        assertEquals(PARAMETERS, values.size());
        for (int i = 0; i < PARAMETERS; i++) {
            short code = weights.codes()[i];
            float expected = weights.precision() == Precision.FP16 ? Fp16.toFloat(code) : Bf16.toFloat(code);
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(values.get(i)), "parameter " + i);
        }
    }

    private static ComputeContext context(WorkingWeights weights, Workspace workspace) {
        return new ComputeContext(AutocastPolicy.forPrecision(weights.precision()), new Gemm(new JavaGemmKernel()), weights, true,
                new SplittableRandom(1), workspace);
    }

    private static float[] master(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] master = new float[PARAMETERS];
        for (int i = 0; i < PARAMETERS; i++) {
            master[i] = (float) random.nextGaussian() * (i % 7 == 0 ? 1e-6f : 1f);
        }
        master[3] = Float.NaN;
        master[5] = -0f;
        master[8] = 1e9f; // overflows FP16
        return master;
    }
}
