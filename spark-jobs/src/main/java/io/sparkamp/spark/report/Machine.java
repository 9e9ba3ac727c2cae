package io.sparkamp.spark.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * What a measurement ran on, for reports that print numbers: the CPU model, the instruction-set flags
 * that decide which 16-bit GEMM paths exist (AVX2, AVX-512, AVX512-BF16/FP16, AMX, F16C), cores,
 * operating-system kernel and JVM. CPU facts come from /proc/cpuinfo ("unknown" where there is none).
 *
 * @param cpuModel the first "model name" of /proc/cpuinfo, with its "cpu family" and "model" numbers (a name such
 *                 as "AMD EPYC" is the same on Zen 3, 4 and 5; the numbers tell them apart)
 * @param cpuFlags the flags of note, sorted, space-separated
 * @param cores    processors the JVM sees
 * @param kernel   operating system, kernel release and architecture
 * @param java     JVM version and name
 */
public record Machine(String cpuModel, String cpuFlags, int cores, String kernel, String java) {
    private static final Path CPUINFO = Path.of("/proc/cpuinfo");

    /** The machine this JVM runs on. */
    public static Machine current() {
        List<String> cpuinfo;
        try {
            cpuinfo = Files.readAllLines(CPUINFO);
        } catch (IOException e) {
            cpuinfo = List.of();
        }
        return new Machine(cpuModel(cpuinfo), flagsOfNote(field(cpuinfo, "flags")), Runtime.getRuntime().availableProcessors(),
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

    /** "AMD EPYC (family 25, model 17)": the model name with its family and model numbers where /proc/cpuinfo has them. */
    static String cpuModel(List<String> cpuinfo) {
        String name = field(cpuinfo, "model name");
        String family = field(cpuinfo, "cpu family");
        String model = field(cpuinfo, "model");
        return family.equals("unknown") || model.equals("unknown") ? name : name + " (family " + family + ", model " + model + ")";
    }

    /** The value of the first line whose key is exactly {@code key} ("model" is not "model name"), or "unknown". */
    static String field(List<String> cpuinfo, String key) {
        for (String line : cpuinfo) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equals(key)) {
                return line.substring(colon + 1).trim();
            }
        }
        return "unknown";
    }
}
