package io.sparkamp.core.ops;

/** The portable kernel through the shared contract. */
class JavaGemmKernelTest extends GemmKernelContract {
    @Override
    GemmKernel kernel() {
        return new JavaGemmKernel();
    }
}
