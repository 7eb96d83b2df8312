package dev.reason4j.agent;

import dev.reason4j.config.Suggestions;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A tool's options (the map {@link Tools#create} is given), read with defaults. {@link #finish} rejects any option
 * the tool did not read, naming it and the nearest valid one. Every message starts {@code tool NAME: }.
 */
public final class ToolOptions {
    private final String tool;
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    public ToolOptions(String tool, Map<String, Object> values) {
        this.tool = tool;
        this.values = values == null ? Map.of() : values;
    }

    /** An integer in {@code [min, max]}. */
    public int integer(String name, int defaultValue, int min, int max) {
        Object value = value(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Integer number)) {
            throw error("option " + name + " expects an integer, got " + value);
        }
        if (number < min || number > max) {
            throw error("option " + name + " must be in [" + min + ", " + max + "], got " + number);
        }
        return number;
    }

    /** A number in {@code (0, max]}: seconds, sizes. */
    public double positive(String name, double defaultValue, double max) {
        Object value = value(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Number number) || !(number.doubleValue() > 0 && number.doubleValue() <= max)) {
            throw error("option " + name + " must be a number in (0, " + max + "], got " + value);
        }
        return number.doubleValue();
    }

    public boolean bool(String name, boolean defaultValue) {
        Object value = value(name);
        if (value == null) {
            return defaultValue;
        }
        if (!(value instanceof Boolean b)) {
            throw error("option " + name + " expects true or false, got " + value);
        }
        return b;
    }

    /** A string that must be given; {@code what} says what it is, for the message when it is missing. */
    public String required(String name, String what) {
        Object value = value(name);
        if (value == null || String.valueOf(value).isBlank()) {
            throw error("option " + name + " is required: " + what);
        }
        return String.valueOf(value);
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

    /** An error about this tool's configuration: {@code tool NAME: message}. */
    public IllegalArgumentException error(String message) {
        return new IllegalArgumentException("tool " + tool + ": " + message);
    }

    private Object value(String name) {
        read.add(name);
        return values.get(name);
    }
}
