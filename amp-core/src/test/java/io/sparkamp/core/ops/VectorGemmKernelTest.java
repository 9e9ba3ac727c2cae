package io.sparkamp.core.ops;

import org.junit.jupiter.api.Assumptions;

/**
 * The Vector API kernel through the shared contract. Skipped only where the JVM runs without
 * {@code --add-modules jdk.incubator.vector} (surefire's argLine adds it).
 */
class VectorGemmKernelTest extends GemmKernelContract {
    @Override
    GemmKernel kernel() {
        GemmProviders.Loaded loaded = GemmProviders.loadVector();
        Assumptions.assumeTrue(loaded.kernel() != null, () -> "Vector API kernel not available: " + loaded.reason());
        return loaded.kernel();
    }
}
