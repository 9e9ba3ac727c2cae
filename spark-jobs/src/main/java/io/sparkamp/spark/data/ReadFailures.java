package io.sparkamp.spark.data;

import io.sparkamp.core.config.ConfigException;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.SparkSession;

/**
 * Turns a failure of Spark while reading a dataset's files into a {@link DataReadException} that names
 * the file (and for libsvm the line) and the reader's reason, instead of a job-abort stack trace. A
 * failure that does not point at the user's files is returned unchanged.
 */
public final class ReadFailures {
    /** How Spark 3.5 names the file a scan or a footer read failed on. */
    private static final Pattern[] FILE_PATTERNS = {
            Pattern.compile("Encountered error while reading file (\\S+?)\\.? Details"),
            Pattern.compile("Could not read footer for file: (\\S+?)\\.? Please"),
            Pattern.compile("(\\S+) is not a Parquet file"),
    };

    private ReadFailures() {
    }

    /**
     * The exception to throw for {@code failure}, raised while reading {@code spec}: a {@link ConfigException}
     * passes as it is; one that names a file of the dataset, or a libsvm line the reader refuses, becomes a
     * {@link DataReadException}; anything else is returned unchanged.
     */
    public static RuntimeException translate(Exception failure, SparkSession spark, DataSpec spec) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConfigException c) {
                return c;
            }
        }
        if (spec.format() == DataSpec.Format.LIBSVM) {
            Optional<String> line = badLibsvmLine(spark, spec);
            if (line.isPresent()) {
                return new DataReadException("cannot read libsvm " + line.get() + " (--data)");
            }
        }
        String format = spec.format().sparkName();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String file = fileNamedIn(t.getMessage());
            if (file != null) {
                return new DataReadException("cannot read " + format + " file " + file + " (--data): " + reason(failure)
                        + "; the file is truncated, corrupt or not " + format);
            }
        }
        if (isReadError(failure)) { // the reader did not say which file: name the dataset
            return new DataReadException("cannot read " + spec.describe() + " (--data): " + reason(failure)
                    + "; a file there is truncated, corrupt or not " + format);
        }
        return failure instanceof RuntimeException r ? r
                : new RuntimeException("reading " + spec.describe() + ": " + failure.getMessage(), failure);
    }

    /** An I/O or decoding error of the file reader (Parquet and its Thrift metadata), not of Spark or of us. */
    private static boolean isReadError(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            String type = t.getClass().getName();
            if (t instanceof IOException || type.startsWith("org.apache.parquet.") || type.startsWith("shaded.parquet.")) {
                return true;
            }
        }
        return false;
    }

    private static Optional<String> badLibsvmLine(SparkSession spark, DataSpec spec) {
        try {
            return LibsvmLines.firstBadLine(spark.sparkContext().hadoopConfiguration(), spec.path());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static String fileNamedIn(String message) {
        if (message == null) {
            return null;
        }
        for (Pattern p : FILE_PATTERNS) {
            Matcher m = p.matcher(message);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }

    /** The innermost cause as "Type: first line of its message". */
    private static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage() == null ? "" : root.getMessage().lines().findFirst().orElse("");
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
