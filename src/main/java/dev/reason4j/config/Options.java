package dev.reason4j.config;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A task's, environment's or tool's options (from config, e.g. {@code data.task_options}), read with defaults.
 * Errors are one line that starts with the owner ({@code task arithmetic: ...}); {@link #finish} rejects any option
 * the owner did not read, naming it and the nearest valid one.
 */
public final class Options {
    private final String owner;
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    /**
     * @param owner what the options configure, for messages: {@code "task arithmetic"}, {@code "environment http"},
     *              {@code "tool python"}
     */
    public Options(String owner, Map<String, Object> values) {
        this.owner = owner;
        this.values = values == null ? Map.of() : values;
    }

    public int integer(String name, int defaultValue, int min, int max) {
        read.add(name);
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Integer number)) {
            throw bad(name, "an integer", value);
        }
        if (number < min || number > max) {
            throw new IllegalArgumentException(owner + ": option " + name + " must be in [" + min + ", "
                    + max + "], got " + number);
        }
        return number;
    }

    /** A number option (an integer is taken as a number too). */
    public double number(String name, double defaultValue, double min, double max) {
        read.add(name);
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Number number)) {
            throw bad(name, "a number", value);
        }
        double x = number.doubleValue();
        if (!(x >= min && x <= max)) {
            throw new IllegalArgumentException(owner + ": option " + name + " must be in [" + min + ", " + max
                    + "], got " + value);
        }
        return x;
    }

    /** A number in {@code (0, max]}: seconds, sizes. */
    public double positive(String name, double defaultValue, double max) {
        read.add(name);
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Number number) || !(number.doubleValue() > 0 && number.doubleValue() <= max)) {
            throw error("option " + name + " must be a number in (0, " + max + "], got " + value);
        }
        return number.doubleValue();
    }

    /** A string that must be given; {@code what} says what it is, for the message when it is missing. */
    public String required(String name, String what) {
        read.add(name);
        Object value = values.get(name);
        if (value == null || String.valueOf(value).isBlank()) {
            throw error("option " + name + " is required: " + what);
        }
        return String.valueOf(value);
    }

    public boolean bool(String name, boolean defaultValue) {
        read.add(name);
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Boolean b)) {
            throw bad(name, "true or false", value);
        }
        return b;
    }

    /** A string option that must be one of {@code allowed} (when given). */
    public String string(String name, String defaultValue, Set<String> allowed) {
        read.add(name);
        Object value = values.get(name);
        if (value == null) {
            return defaultValue;
        }
        String text = String.valueOf(value);
        if (allowed != null && !allowed.contains(text)) {
            throw new IllegalArgumentException(owner + ": option " + name + " must be one of " + allowed
                    + ", got '" + text + "'");
        }
        return text;
    }

    /** Fails on the first option that was given but never read. Call after reading all options. */
    public void finish() {
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw error("unknown option " + name + Suggestions.didYouMean(name, read)
                        + (read.isEmpty() ? " (it takes none)" : " (options: " + String.join(", ", read) + ")"));
            }
        }
    }

    /** An error about the owner's configuration: {@code OWNER: message}. */
    public IllegalArgumentException error(String message) {
        return new IllegalArgumentException(owner + ": " + message);
    }

    private IllegalArgumentException bad(String name, String expected, Object value) {
        return new IllegalArgumentException(owner + ": option " + name + " expects " + expected + ", got "
                + value);
    }
}
