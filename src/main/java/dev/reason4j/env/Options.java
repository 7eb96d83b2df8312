package dev.reason4j.env;

import dev.reason4j.config.Suggestions;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A task's or environment's options (from config, e.g. {@code data.task_options}), read with defaults. Errors are
 * one line that starts with the owner ({@code task arithmetic: ...}); {@link #finish} rejects any option the owner
 * did not read, naming it and the nearest valid one.
 */
public final class Options {
    private final String owner;
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    /** @param owner what the options configure, for messages: {@code "task arithmetic"}, {@code "environment http"} */
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
                throw new IllegalArgumentException(owner + ": unknown option " + name
                        + Suggestions.didYouMean(name, read) + " (options: " + String.join(", ", read) + ")");
            }
        }
    }

    private IllegalArgumentException bad(String name, String expected, Object value) {
        return new IllegalArgumentException(owner + ": option " + name + " expects " + expected + ", got "
                + value);
    }
}
