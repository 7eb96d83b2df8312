package dev.reason4j.config;

/** A bad configuration: the message names the key and where it came from (file and line, or the override). */
public final class ConfigException extends IllegalArgumentException {
    public ConfigException(String message) {
        super(message);
    }
}
