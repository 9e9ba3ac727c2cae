package io.sparkamp.spark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The machine description reports carry: the CPU flags that decide the 16-bit GEMM paths, sorted. */
class MachineTest {
    @Test
    void keepsTheFlagsThatMatterForSixteenBitMatmul() {
        assertEquals("amx_bf16 amx_tile avx2 avx512_bf16 avx512f f16c fma",
                Machine.flagsOfNote("fpu sse2 avx512f avx2 fma f16c avx512_bf16 amx_tile amx_bf16 sse4_2 ht"));
        assertEquals("(none of avx2/avx512/amx)", Machine.flagsOfNote("fpu sse sse2"));
    }

    /** The model name with the family and model numbers that tell one generation of a CPU line from another. */
    @Test
    void namesTheCpuWithItsFamilyAndModel() {
        List<String> cpuinfo = List.of("processor\t: 0", "vendor_id\t: AuthenticAMD", "cpu family\t: 25", "model\t\t: 17",
                "model name\t: AMD EPYC", "flags\t\t: fpu avx2");
        assertEquals("AMD EPYC (family 25, model 17)", Machine.cpuModel(cpuinfo));
        assertEquals("17", Machine.field(cpuinfo, "model"));
        assertEquals("AMD EPYC", Machine.cpuModel(List.of("model name : AMD EPYC")));
        assertEquals("unknown", Machine.cpuModel(List.of()));
    }

    @Test
    void describesThisJvm() {
        Machine m = Machine.current();
        assertTrue(m.cores() >= 1);
        assertTrue(m.kernel().contains(System.getProperty("os.version")), m.kernel());
        assertTrue(m.java().startsWith(System.getProperty("java.version")), m.java());
    }
}
