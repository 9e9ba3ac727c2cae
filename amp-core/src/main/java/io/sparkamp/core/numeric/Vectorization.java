package io.sparkamp.core.numeric;

/**
 * Finds the optional Vector API implementations (Lucene's provider pattern): a class that uses
 * {@code jdk.incubator.vector} is loaded by name, and only where the module is in the boot layer, so
 * nothing else refers to the incubator and every caller keeps a plain fallback that is always correct.
 */
public final class Vectorization {
    /** The incubating module the fast paths need ({@code --add-modules jdk.incubator.vector}). */
    public static final String MODULE = "jdk.incubator.vector";
    private static final java.util.concurrent.atomic.AtomicBoolean JIT_ADVISED = new java.util.concurrent.atomic.AtomicBoolean();

    private Vectorization() {
    }

    /** An instance of a class that needs the module, or the one reason there is none. */
    public record Loaded<T>(T instance, String reason) {
    }

    /** Null when the Vector API can be used in this JVM, else why not. */
    public static String unavailableReason() {
        if (ModuleLayer.boot().findModule(MODULE).isEmpty()) {
            return "module " + MODULE + " is not in the boot layer (start java with --add-modules " + MODULE + ")";
        }
        if (!hasByteBufferAccess()) {
            // The implementations read and write off-heap operands through ByteBuffers; later JDKs replaced
            // those methods with MemorySegment ones, and calling them there fails with NoSuchMethodError.
            return "this JDK's " + MODULE + " has no ByteBuffer access (FloatVector.fromByteBuffer, removed after JDK 21)";
        }
        return null;
    }

    /**
     * The Vector API implementation {@code className} when it loads, else {@code fallback}; logs which
     * {@code what} is served by, and when falling back, why.
     */
    public static <T> T choose(String what, String className, Class<T> type, T fallback, org.slf4j.Logger log,
                               java.util.function.Function<T, String> name) {
        Loaded<T> vector = load(className, type);
        if (vector.instance() == null) {
            log.info("{}: {} ({})", what, name.apply(fallback), vector.reason());
            return fallback;
        }
        log.info("{}: {}", what, name.apply(vector.instance()));
        adviseOnJit(log);
        return vector.instance();
    }

    /** Once per JVM where a vector implementation is chosen: a warning if the JIT's flags put it at risk. */
    private static void adviseOnJit(org.slf4j.Logger log) {
        if (JIT_ADVISED.compareAndSet(false, true)) {
            VmOptions.jitAdvice(VmOptions::value).forEach(log::warn);
        }
    }

    private static boolean hasByteBufferAccess() {
        try {
            for (java.lang.reflect.Method m : Class.forName(MODULE + ".FloatVector").getMethods()) {
                if (m.getName().equals("fromByteBuffer")) {
                    return true;
                }
            }
            return false;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** A new instance of {@code className} (by its no-argument constructor), if the module is there. */
    public static <T> Loaded<T> load(String className, Class<T> type) {
        String unavailable = unavailableReason();
        if (unavailable != null) {
            return new Loaded<>(null, unavailable);
        }
        try {
            java.lang.reflect.Constructor<?> constructor = Class.forName(className).getDeclaredConstructor();
            constructor.setAccessible(true); // implementations are package-private
            return new Loaded<>(type.cast(constructor.newInstance()), null);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return new Loaded<>(null, "cannot load " + className + ": " + e);
        }
    }
}
