package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.Precision;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * The oneDNN kernel through the shared contract. The kernel is built directly, not through the
 * provider's self-test, so a wrong result fails the contract instead of being skipped; the test is
 * skipped only when the native library really cannot load on this platform.
 */
class OneDnnGemmKernelTest extends GemmKernelContract {
    private static final GemmKernel KERNEL = load();

    private static GemmKernel load() {
        try {
            return new OneDnnGemmKernel();
        } catch (LinkageError e) {
            return null;
        }
    }

    @Override
    GemmKernel kernel() {
        Assumptions.assumeTrue(KERNEL != null, "oneDNN (org.bytedeco:dnnl) does not load on this platform");
        return KERNEL;
    }

    @Test
    void noPrecisionFallsBackToTheReferenceImplementation() {
        // oneDNN's "ref" matmul is correct but orders of magnitude slower; the benchmarks assume it is not used.
        kernel();
        for (Precision precision : Precision.values()) {
            String impl = OneDnnGemmKernel.implementation(precision, false, false, 512, 512, 784);
            System.out.println("oneDNN " + OneDnnGemmKernel.version() + " matmul " + precision + ": " + impl);
            assertFalse(impl.startsWith("ref"), precision + " runs on " + impl);
        }
    }
}
