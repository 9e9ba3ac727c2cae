package io.sparkamp.core.ops;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.sparkamp.core.numeric.Vectorization;
import io.sparkamp.core.numeric.VmOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/**
 * Runs {@link VectorBoxingCheck} in fresh JVMs started with the flags the project runs with, at this CPU's vector
 * width and at 8 float lanes (an AVX2-only CPU's), and fails when a pass boxes its vectors. A new loop that breaks
 * one of docs/vector-code.md's rules boxes in every JVM. Which methods C2 compiles first differs from JVM to JVM,
 * so a pass that boxed is checked once more in a second JVM, and the test fails when it boxes there too.
 */
class VectorBoxingCheckTest {
    private static final long TIMEOUT_SECONDS = 300;

    @Test
    void noPassBoxesAtThisCpusVectorWidth() throws Exception {
        assertNoBoxing(List.of());
    }

    @Test
    void noPassBoxesAtEightFloatLanes() throws Exception {
        assertNoBoxing(List.of("-XX:UseAVX=2"));
    }

    private static void assertNoBoxing(List<String> width) throws Exception {
        String unavailable = Vectorization.unavailableReason();
        assumeTrue(unavailable == null, () -> "no Vector API in this JVM: " + unavailable);
        String first = check(width);
        if (first == null) {
            return;
        }
        String second = check(width);
        if (second != null) {
            fail("VectorBoxingCheck " + width + " found boxing in two JVMs in a row:\n" + first + "\n--- second JVM:\n"
                    + second);
        }
    }

    /** Null when the check's JVM found no pass boxing, else its report. */
    private static String check(List<String> width) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(width);
        command.addAll(List.of("-Xmx2g", "-XX:InlineSmallCode=" + VmOptions.RECOMMENDED_INLINE_SMALL_CODE,
                "-XX:PerMethodTrapLimit=" + VmOptions.RECOMMENDED_PER_METHOD_TRAP_LIMIT,
                "--add-modules", Vectorization.MODULE, "--add-opens=java.base/java.nio=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), VectorBoxingCheck.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("VectorBoxingCheck " + width + " did not finish in " + TIMEOUT_SECONDS + " s:\n" + output);
        }
        int status = process.exitValue();
        if (status == 0 && output.contains("no pass boxes its vectors")) {
            return null;
        }
        if (status == 1 && output.contains("boxing: ")) {
            return output;
        }
        fail("VectorBoxingCheck " + width + " exited with " + status + ":\n" + output);
        return output;
    }
}
