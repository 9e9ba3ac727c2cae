package io.sparkamp.spark.cli;

import io.sparkamp.core.config.ConfigException;
import io.sparkamp.core.scaling.LossScaleStuckException;
import io.sparkamp.core.train.TrainingFailedException;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns an exception that escaped a command into one {@code amp:} line and an exit code. Bad input that
 * only shows up while Spark reads a file (a truncated or corrupt Parquet file, a missing path) exits 2
 * and names the file; anything else exits 1. The full stack trace goes to a log file whose path the line
 * names, or to stderr with {@code --verbose}.
 */
final class FailureReport {
    /** Where failure logs go: -Damp.log.dir, else runs/logs under the working directory. */
    static final String LOG_DIR_PROPERTY = "amp.log.dir";
    private static final Pattern FILE = Pattern.compile("((?:file|hdfs|s3a?|gs|abfss?):[^\\s,;'\"]+|/[^\\s,;'\"]+\\.(?:parquet|csv|json|libsvm|txt))");

    private FailureReport() {
    }

    static int report(Throwable e, boolean verbose, PrintStream err) {
        ConfigException config = find(e, ConfigException.class);
        if (config != null) {
            err.println("amp: error: " + config.getMessage());
            return ExitCodes.BAD_INPUT;
        }
        String where = verbose ? null : writeLog(e);
        if (verbose) {
            e.printStackTrace(err);
        }
        String details = where == null ? "" : " (stack trace in " + where + ")";
        String badFile = unreadableFile(e);
        if (badFile != null) {
            err.println("amp: error: cannot read " + badFile + ": " + rootMessage(e)
                    + "; the file is truncated, corrupt or not in the given --format" + details);
            return ExitCodes.BAD_INPUT;
        }
        RuntimeException diagnosed = find(e, TrainingFailedException.class);
        if (diagnosed == null) {
            diagnosed = find(e, LossScaleStuckException.class);
        }
        if (diagnosed != null) { // the message is a diagnosis written for the user
            err.println("amp: failed: " + diagnosed.getMessage() + details);
            return ExitCodes.RUNTIME_FAILURE;
        }
        if (find(e, OutOfMemoryError.class) != null) {
            err.println("amp: failed: out of memory (" + rootMessage(e) + "); give the driver more heap (AMP_DRIVER_MEMORY) "
                    + "or use more --partitions" + details);
            return ExitCodes.RUNTIME_FAILURE;
        }
        err.println("amp: failed: " + rootMessage(e) + details);
        return ExitCodes.RUNTIME_FAILURE;
    }

    /** The file a read failed on, when the failure is the file's fault (corrupt, truncated, wrong format, missing). */
    static String unreadableFile(Throwable e) {
        boolean fileFault = false;
        String file = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            String name = t.getClass().getName();
            String message = String.valueOf(t.getMessage());
            if (name.startsWith("org.apache.parquet.") || name.equals("java.io.EOFException")
                    || name.equals("java.io.FileNotFoundException") || name.endsWith("SchemaColumnConvertNotSupportedException")
                    || message.contains("is not a Parquet file") || message.contains("Encountered error while reading file")
                    || message.contains("FAILED_READ_FILE") || message.contains("PATH_NOT_FOUND")) {
                fileFault = true;
            }
            if (file == null) {
                Matcher m = FILE.matcher(message);
                if (m.find()) {
                    file = m.group(1).replaceAll("[.)\\]]+$", "");
                }
            }
        }
        return fileFault ? (file == null ? "the input data" : file) : null;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? root.getClass().getSimpleName()
                : root.getClass().getSimpleName() + ": " + root.getMessage();
        int newline = message.indexOf('\n');
        return newline > 0 ? message.substring(0, newline) : message;
    }

    private static <T extends Throwable> T find(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    /** Writes the trace to a new file and returns its path, or null when no file could be written. */
    private static String writeLog(Throwable e) {
        StringWriter trace = new StringWriter();
        e.printStackTrace(new PrintWriter(trace));
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"));
        try {
            Path dir = Path.of(System.getProperty(LOG_DIR_PROPERTY, "runs/logs"));
            Files.createDirectories(dir);
            Path file = dir.resolve("amp-failure-" + stamp + ".log");
            Files.writeString(file, trace.toString(), StandardCharsets.UTF_8);
            return file.toAbsolutePath().toString();
        } catch (IOException | RuntimeException io) {
            return null;
        }
    }
}
