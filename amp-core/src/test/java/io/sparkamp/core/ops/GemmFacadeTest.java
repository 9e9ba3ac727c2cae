package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GemmFacadeTest {
    private final Gemm gemm = new Gemm(new JavaGemmKernel());

    private static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should mention '" + part + "'");
        }
    }

    @Test
    void operandsThatDoNotFitNameTheOperandAndShape() {
        float[] ok = new float[100];
        assertMessage(() -> gemm.multiply(false, false, 3, 5, 4, new float[11], 0, ok, 0, ok, 0, false), "A", "3x4", "11");
        assertMessage(() -> gemm.multiply(false, false, 3, 5, 4, ok, 0, new float[19], 0, ok, 0, false), "B", "4x5", "19");
        assertMessage(() -> gemm.multiply(false, false, 3, 5, 4, ok, 0, ok, 0, new float[14], 0, false), "C", "3x5", "14");
        assertMessage(() -> gemm.multiply(false, false, 3, 5, 4, ok, 90, ok, 0, ok, 0, false), "A", "offset 90");
        assertMessage(() -> gemm.multiply(false, false, 3, 5, 4, ok, -1, ok, 0, ok, 0, false), "A", "offset -1");
        assertMessage(() -> gemm.multiply(false, false, -1, 5, 4, ok, 0, ok, 0, ok, 0, false), "negative", "m=-1");
        short[] codes = new short[100];
        assertMessage(() -> gemm.multiply(Precision.BF16, true, true, 3, 5, 4, codes, 0, new short[3], 0, ok, 0, false), "B", "4x5");
        assertMessage(() -> gemm.multiply(Precision.FP32, false, false, 1, 1, 1, codes, 0, codes, 0, ok, 0, false), "FP32");
    }

    @Test
    void nothingIsWrittenWhenArgumentsAreRejected() {
        float[] c = {42f, 42f};
        assertThrows(IllegalArgumentException.class,
                () -> gemm.multiply(false, false, 1, 2, 3, new float[2], 0, new float[6], 0, c, 0, false));
        assertEquals(42f, c[0]);
        assertEquals(42f, c[1]);
    }

    @Test
    void providerSelection() {
        assertInstanceOf(JavaGemmKernel.class, GemmProviders.select("java"));
        assertMessage(() -> GemmProviders.select("cuda"), "kernel", "cuda");
        assertEquals("java", gemm.kernel().name());
    }
}
