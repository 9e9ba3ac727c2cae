package io.sparkamp.core.config;

/** A setting, flag or config file is wrong; the message names the key, value and where it came from. */
public class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}
