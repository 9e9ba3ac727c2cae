package io.sparkamp.spark.bench;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlasLibraryTest {
    private static final String SHIM = "7f3a10000000-7f3a10010000 r-xp 00000000 08:01 41 /root/.cache/netlib/libnetlibblasjni.so";
    private static final String REFERENCE = "7f3a20000000-7f3a20050000 r-xp 00002000 08:01 42 /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0";
    private static final String OPENBLAS = "7f3a30000000-7f3a30900000 r-xp 00004000 08:01 43 /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3";

    /** The library named in /proc/PID/maps: the first file called like a BLAS, not netlib's JNI shim in front of it. */
    @Test
    void theMappedBlasIsFoundBehindNetlibsShim() {
        List<String> maps = List.of("55d0a0000000-55d0a0001000 r--p 00000000 08:01 40 /usr/bin/java",
                "7ffd1000000-7ffd1021000 rw-p 00000000 00:00 0 [stack]", SHIM, REFERENCE, OPENBLAS);
        BlasLibrary found = BlasLibrary.fromMaps(maps);
        assertEquals("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", found.path());
        assertTrue(found.isReference());
        assertEquals("reference BLAS /usr/lib/x86_64-linux-gnu/blas/libblas.so.3.11.0", found.describe());

        BlasLibrary open = BlasLibrary.fromMaps(List.of(SHIM, OPENBLAS));
        assertFalse(open.isReference());
        assertEquals("OpenBLAS /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3", open.describe());
        assertFalse(BlasLibrary.of("/opt/intel/oneapi/mkl/lib/libmkl_rt.so.2").isReference());
        assertFalse(BlasLibrary.of("/usr/lib/x86_64-linux-gnu/libopenblasp-r0.3.21.so").isReference());
    }

    /** Nothing mapped (a pure-Java BLAS, another OS) is unknown, and unknown is never called the reference BLAS. */
    @Test
    void noMappedBlasIsUnknownNotReference() {
        BlasLibrary none = BlasLibrary.fromMaps(List.of(SHIM, "7f00-7f01 r-xp 0 08:01 1 /usr/lib/libc.so.6"));
        assertNull(none.path());
        assertFalse(none.known());
        assertFalse(none.isReference());
        assertEquals("BLAS unknown", none.describe());
        assertFalse(BlasLibrary.of("").known());
    }

    /** This JVM's own maps read without error (Linux: a real file; the JVM maps no BLAS unless something loaded one). */
    @Test
    void thisProcessIsReadable() {
        BlasLibrary own = BlasLibrary.ofThisProcess();
        if (Files.exists(Path.of("/proc/self/maps")) && own.known()) {
            assertTrue(own.path().startsWith("/"), own.path());
        }
    }

    /** The warning names the baseline, the library and the package that fixes it. */
    @Test
    void theWarningSaysWhatToInstall() {
        String line = BlasLibrary.of("/usr/lib/x86_64-linux-gnu/blas/libblas.so.3").warning("PyTorch");
        assertTrue(line.startsWith("bench: PyTorch computes with the reference BLAS (/usr/lib/x86_64-linux-gnu/blas/libblas.so.3)"), line);
        assertTrue(line.contains("apt-get install -y libopenblas0-pthread"), line);
    }
}
