package dev.reason4j.env;

import dev.reason4j.config.Suggestions;

import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * A task's options (from config {@code data.task_options}), read with defaults. {@link #finish} rejects any option
 * the task did not read, naming it and the nearest valid one.
 */
public final class TaskOptions {
    private final String task;
    private final Map<String, Object> values;
    private final Set<String> read = new LinkedHashSet<>();

    public TaskOptions(String task, Map<String, Object> values) {
        this.task = task;
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
            throw new IllegalArgumentException("task " + task + ": option " + name + " must be in [" + min + ", "
                    + max + "], got " + number);
        }
        return number;
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
            throw new IllegalArgumentException("task " + task + ": option " + name + " must be one of " + allowed
                    + ", got '" + text + "'");
        }
        return text;
    }

    /** Fails on the first option that was given but never read. Call after reading all options. */
    public void finish() {
        for (String name : values.keySet()) {
            if (!read.contains(name)) {
                throw new IllegalArgumentException("task " + task + ": unknown option " + name
                        + Suggestions.didYouMean(name, read) + " (options: " + String.join(", ", read) + ")");
            }
        }
    }

    private IllegalArgumentException bad(String name, String expected, Object value) {
        return new IllegalArgumentException("task " + task + ": option " + name + " expects " + expected + ", got "
                + value);
    }
}
