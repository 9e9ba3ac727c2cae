package io.sparkamp.spark.data;

import io.sparkamp.core.config.ConfigException;

/**
 * A data file could not be read: it is truncated, corrupt, not in the format given, or a line breaks the
 * format's rules. A {@link ConfigException}, so the CLI exits with status 2; the message names the file
 * (and the line, for text formats) and the reader's reason.
 */
public class DataReadException extends ConfigException {
    public DataReadException(String message) {
        super(message);
    }
}
