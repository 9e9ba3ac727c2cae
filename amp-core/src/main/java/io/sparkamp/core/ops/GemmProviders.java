package io.sparkamp.core.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Locale;

/**
 * Chooses the GEMM kernel once at start-up (Lucene's VectorizationProvider pattern): a chain of guard
 * clauses, each logging why it falls back, ending at the portable kernel that is always there.
 */
public final class GemmProviders {
    /** Setting value that lets the selection pick the fastest kernel that loads. */
    public static final String AUTO = "auto";
    private static final Logger LOG = LoggerFactory.getLogger(GemmProviders.class);

    private GemmProviders() {
    }

    /**
     * The kernel named by {@code requested} ("auto" or "java"). A forced kernel that cannot load is an
     * error naming the setting; "auto" falls back to the portable kernel and says why.
     */
    public static GemmKernel select(String requested) {
        String name = requested == null ? AUTO : requested.trim().toLowerCase(Locale.ROOT);
        switch (name) {
            case AUTO:
            case "java":
                GemmKernel kernel = new JavaGemmKernel();
                LOG.info("GEMM kernel: {} (requested {})", kernel.name(), name);
                return kernel;
            default:
                throw new IllegalArgumentException("kernel: unknown GEMM kernel '" + requested + "' (expected auto or java)");
        }
    }
}
