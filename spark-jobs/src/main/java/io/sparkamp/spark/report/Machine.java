package io.sparkamp.spark.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.TreeSet;

/**
 * What a measurement ran on, for reports that print numbers: the CPU model, the instruction-set flags
 * that decide which 16-bit GEMM paths exist (AVX2, AVX-512, AVX512-BF16/FP16, AMX, F16C), cores,
 * operating-system kernel and JVM. CPU facts come from /proc/cpuinfo ("unknown" where there is none).
 *
 * @param cpuModel the first "model name" of /proc/cpuinfo
 * @param cpuFlags the flags of note, sorted, space-separated
 * @param cores    processors the JVM sees
 * @param kernel   operating system, kernel release and architecture
 * @param java     JVM version and name
 */
public record Machine(String cpuModel, String cpuFlags, int cores, String kernel, String java) {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** The machine this JVM runs on. */
    public static Machine current() {
        return new Machine(cpuinfo("model name"), flagsOfNote(cpuinfo("flags")), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")",
                System.getProperty("java.version") + " (" + System.getProperty("java.vm.name") + ")");
    }

    /** The flags among {@code flags} that matter for the GEMM kernels, or a note that there are none. */
    static String flagsOfNote(String flags) {
        TreeSet<String> wanted = new TreeSet<>();
        for (String f : flags.split(" ")) {
            if (f.startsWith("avx512") || f.startsWith("amx") || f.equals("avx2") || f.equals("fma") || f.equals("avx_vnni")
                    || f.equals("f16c")) {
                wanted.add(f);
            }
        }
        return wanted.isEmpty() ? "(none of avx2/avx512/amx)" : String.join(" ", wanted);
    }

    private static String cpuinfo(String key) {
        try {
            for (String line : Files.readAllLines(CPUINFO)) {
                if (line.startsWith(key)) {
                    return line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
