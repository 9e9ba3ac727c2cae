package io.sparkamp.core.ops;

import io.sparkamp.core.numeric.VmOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Properties;
import java.util.function.Function;

/**
 * The kernel choices {@code kernel=auto} measured, remembered per machine in a properties file, so a
 * CPU is probed once and every later run (and a resumed one) computes with the same kernel. An entry is
 * keyed by everything its measurement depends on (CPU model and flags, instruction limits set by the user,
 * cores, OMP threads, Java and oneDNN versions, precision, shapes, candidates); its detail line says what was measured and when. A
 * directory that cannot be written only costs a new probe per JVM.
 */
final class KernelChoices {
    /** System property naming the directory; default {@code ~/.cache/spark-amp}. */
    static final String DIRECTORY_PROPERTY = "sparkamp.cache.dir";
    static final String FILE = "gemm-kernels.properties";
    private static final Logger LOG = LoggerFactory.getLogger(KernelChoices.class);

    private final Path file;

    KernelChoices(Path directory) {
        this.file = directory.resolve(FILE);
    }

    /** The store in the configured directory. */
    static KernelChoices standard() {
        String dir = System.getProperty(DIRECTORY_PROPERTY);
        return new KernelChoices(dir != null ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "spark-amp"));
    }

    Path file() {
        return file;
    }

    /** The remembered choice for {@code description}, or null. */
    synchronized String get(String description) {
        return load().getProperty(key(description) + ".choice");
    }

    /** Remembers {@code choice} for {@code description}, with a line saying what was measured. */
    synchronized void put(String description, String choice, String detail) {
        Properties p = load();
        String key = key(description);
        p.setProperty(key + ".choice", choice);
        p.setProperty(key + ".detail", description + " | " + detail);
        try {
            Files.createDirectories(file.getParent());
            Path temp = Files.createTempFile(file.getParent(), FILE, ".tmp");
            try (OutputStream out = Files.newOutputStream(temp)) {
                p.store(out, "GEMM kernels chosen by kernel=auto (spark-amp); delete to measure again");
            }
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.info("cannot remember the GEMM kernel choice in {} ({}); the next JVM measures again", file, e.toString());
        }
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException | IllegalArgumentException e) {
                LOG.info("ignoring unreadable GEMM kernel choices in {} ({})", file, e.toString());
            }
        }
        return p;
    }

    private static String key(String description) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(description.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** The CPU model and a digest of its flags, as Linux reports them (the architecture elsewhere). */
    static String cpu() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        String model = System.getProperty("os.arch");
        String flags = "";
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                if (line.startsWith("model name") && model.equals(System.getProperty("os.arch"))) {
                    model = line.substring(line.indexOf(':') + 1).trim();
                } else if (line.startsWith("flags") && flags.isEmpty()) {
                    flags = line.substring(line.indexOf(':') + 1).trim();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // Not Linux: the architecture stands for the CPU.
        }
        return model + " [flags " + (flags.isEmpty() ? "unknown" : key(flags)) + "]";
    }

    /**
     * The limits a user can put on the instructions the kernels use, which the CPU flags do not show: the
     * ISA cap of oneDNN ({@code ONEDNN_MAX_CPU_ISA}, or its older name {@code DNNL_MAX_CPU_ISA}) and the
     * JVM's vector width ({@code -XX:UseAVX}, {@code -XX:MaxVectorSize}). A choice measured under other
     * limits is measured again.
     */
    static String limits() {
        return limits(System.getenv(), VmOptions::value);
    }

    static String limits(Map<String, String> env, Function<String, String> vmOption) {
        String isa = env.getOrDefault("ONEDNN_MAX_CPU_ISA", env.getOrDefault("DNNL_MAX_CPU_ISA", "unset"));
        return "isa=" + isa + "; UseAVX=" + vmOption.apply("UseAVX") + "; MaxVectorSize=" + vmOption.apply("MaxVectorSize");
    }

    /** The CPU flags that decide between the kernels, for logs. */
    static String notableFlags() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("flags")) {
                    StringBuilder b = new StringBuilder();
                    for (String flag : line.substring(line.indexOf(':') + 1).trim().split("\\s+")) {
                        if (flag.equals("avx2") || flag.equals("f16c") || flag.startsWith("avx512") || flag.startsWith("amx")
                                || flag.equals("avx_vnni")) {
                            b.append(b.length() == 0 ? "" : " ").append(flag);
                        }
                    }
                    return b.toString();
                }
            }
        } catch (IOException | UncheckedIOException e) {
            return "unknown";
        }
        return "unknown";
    }
}
