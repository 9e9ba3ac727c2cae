package io.sparkamp.spark.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The BLAS library a process computes with, as the file it mapped. The baselines of {@code amp bench}
 * (MLlib through netlib's JNI BLAS, PyTorch as Debian builds it) call whatever {@code libblas.so.3} the
 * system's alternatives point to. On a machine where that is the reference BLAS (Debian's {@code libblas3},
 * which {@code python3-torch} pulls in when no OpenBLAS is installed) they run an unblocked single-threaded
 * loop, one to two orders of magnitude below what they do with OpenBLAS, and a ratio against them means
 * nothing. The bench names the library beside every baseline and says so.
 */
record BlasLibrary(String path) {
    /** Path parts of the optimized implementations a BLAS alternative can point to. */
    private static final List<String> OPTIMIZED = List.of("openblas", "mkl", "blis", "atlas", "accelerate");

    /** The library of the given path, or of nothing known (null). */
    static BlasLibrary of(String path) {
        return new BlasLibrary(path == null || path.isBlank() ? null : path);
    }

    /**
     * The BLAS this JVM has mapped (read from {@code /proc/self/maps}), or an unknown one where nothing named
     * like a BLAS is mapped or the file is not there (not Linux).
     */
    static BlasLibrary ofThisProcess() {
        Path maps = Path.of("/proc/self/maps");
        try {
            return fromMaps(Files.readAllLines(maps));
        } catch (IOException | UncheckedIOException e) {
            return of(null);
        }
    }

    /** The first mapped file whose name says BLAS, from the lines of a {@code /proc/PID/maps}. */
    static BlasLibrary fromMaps(List<String> lines) {
        for (String line : lines) {
            int slash = line.indexOf('/');
            if (slash < 0) {
                continue;
            }
            String file = line.substring(slash).trim();
            String name = file.substring(file.lastIndexOf('/') + 1).toLowerCase(Locale.ROOT);
            if (name.startsWith("libblas") || name.startsWith("libopenblas") || name.startsWith("libmkl_rt")
                    || name.startsWith("libblis")) {
                return of(file);
            }
        }
        return of(null);
    }

    boolean known() {
        return path != null;
    }

    /** A library that is none of the optimized implementations: netlib's reference loops. */
    boolean isReference() {
        if (path == null) {
            return false;
        }
        String p = path.toLowerCase(Locale.ROOT);
        return OPTIMIZED.stream().noneMatch(p::contains);
    }

    /** "OpenBLAS", "reference BLAS", ... with the path, for the report. */
    String describe() {
        if (path == null) {
            return "BLAS unknown";
        }
        String p = path.toLowerCase(Locale.ROOT);
        String kind = isReference() ? "reference BLAS"
                : p.contains("openblas") ? "OpenBLAS" : p.contains("mkl") ? "MKL" : p.contains("blis") ? "BLIS"
                : p.contains("atlas") ? "ATLAS" : "Accelerate";
        return kind + " " + path;
    }

    /** The line the bench prints when a baseline computes with the reference BLAS. */
    String warning(String baseline) {
        return "bench: " + baseline + " computes with the reference BLAS (" + path + "), an unblocked single-threaded "
                + "loop far below an optimized BLAS: its numbers and any ratio against them are not a fair comparison. "
                + "Install OpenBLAS (apt-get install -y libopenblas0-pthread) and run the bench again.";
    }
}
