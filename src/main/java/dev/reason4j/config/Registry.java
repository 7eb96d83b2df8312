package dev.reason4j.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Named things a config picks by name (advantage estimators, policy losses, KL estimators, reward functions,
 * tasks), as verl's {@code register_adv_est}: registering a name twice is an error, and an unknown name gets the
 * nearest registered one and the full list. Thread-safe.
 *
 * @param <T> what is registered
 */
public final class Registry<T> {
    private final String kind;
    private final Map<String, T> entries = new LinkedHashMap<>();

    /** @param kind what the entries are, for messages: {@code "advantage estimator"} */
    public Registry(String kind) {
        this.kind = kind;
    }

    /** Adds {@code value} as {@code name}; a name already registered is refused (two plugins must not clash). */
    public synchronized void register(String name, T value) {
        requireNameAndValue(name, value);
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException(kind + " '" + name + "' is already registered");
        }
        entries.put(name, value);
    }

    /**
     * Binds {@code name} to {@code value} whether or not it is registered: for a run's configured instance of a
     * built-in (a task's verifier with the run's options), never for adding a new name.
     */
    public synchronized void replace(String name, T value) {
        requireNameAndValue(name, value);
        entries.put(name, value);
    }

    /** Removes {@code name} (a test's or a plugin's own entry, when it is done with it). */
    public synchronized void unregister(String name) {
        if (entries.remove(name) == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + name + "'");
        }
    }

    /** The entry called {@code name}; an unknown name is an error that suggests the nearest and lists them all. */
    public synchronized T get(String name) {
        T value = entries.get(name);
        if (value == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + name + "'"
                    + Suggestions.didYouMean(String.valueOf(name), entries.keySet())
                    + " (registered: " + String.join(", ", names()) + ")");
        }
        return value;
    }

    /** The entry called {@code name}, if there is one. */
    public synchronized Optional<T> find(String name) {
        return Optional.ofNullable(entries.get(name));
    }

    /** Registered names, sorted. */
    public synchronized SortedSet<String> names() {
        return new TreeSet<>(entries.keySet());
    }

    private void requireNameAndValue(String name, T value) {
        if (name == null || name.isBlank() || value == null) {
            throw new IllegalArgumentException("a " + kind + " needs a name and a value, got '" + name + "'");
        }
    }
}
