package dev.reason4j.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Command-line arguments: {@code --name value} options, {@code --flag} switches, and positional words
 * (which include dotted config overrides such as {@code actor.lr=1e-6}). Every option a command reads is
 * recorded, so {@link #rejectUnknown()} can name any option the user typed that the command does not know.
 */
public final class Args {
    private final Map<String, String> options = new LinkedHashMap<>();
    private final List<String> positional = new ArrayList<>();
    private final Set<String> read = new LinkedHashSet<>();

    public Args(String[] argv) {
        for (int i = 0; i < argv.length; i++) {
            String word = argv[i];
            if (word.startsWith("--") && word.length() > 2) {
                String name = word.substring(2);
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    options.put(name.substring(0, eq), name.substring(eq + 1));
                } else if (i + 1 < argv.length && !argv[i + 1].startsWith("--") && !isOverride(argv[i + 1])) {
                    options.put(name, argv[++i]);
                } else {
                    options.put(name, "true");
                }
            } else {
                positional.add(word);
            }
        }
    }

    /** A dotted config override such as {@code actor.lr=1e-6}: never taken as an option's value. */
    static boolean isOverride(String word) {
        return word.matches("[A-Za-z_][A-Za-z0-9_.\\-]*=.*");
    }

    /** Paths as a YAML flow list of quoted strings for a config override, so commas and spaces survive. */
    static String yamlList(List<String> paths) {
        List<String> quoted = new ArrayList<>();
        for (String path : paths) {
            quoted.add("\"" + path.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        }
        return "[" + String.join(", ", quoted) + "]";
    }

    /** True when {@code --name} was given (as a switch or with a value other than "false"). */
    public boolean flag(String name) {
        read.add(name);
        String value = options.get(name);
        return value != null && !value.equals("false");
    }

    public String string(String name, String defaultValue) {
        read.add(name);
        return options.getOrDefault(name, defaultValue);
    }

    /** A required option: missing gives an error naming it. */
    public String require(String name) {
        read.add(name);
        String value = options.get(name);
        if (value == null || value.equals("true")) {
            throw new IllegalArgumentException("missing required option --" + name);
        }
        return value;
    }

    public int integer(String name, int defaultValue) {
        String value = string(name, null);
        try {
            return value == null ? defaultValue : Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects an integer, got '" + value + "'");
        }
    }

    public double number(String name, double defaultValue) {
        String value = string(name, null);
        try {
            return value == null ? defaultValue : Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + name + " expects a number, got '" + value + "'");
        }
    }

    public List<String> positional() {
        return List.copyOf(positional);
    }

    /** The positional words that are config overrides ({@code section.key=value}). */
    public List<String> overrides() {
        return positional.stream().filter(Args::isOverride).toList();
    }

    /** The positional words that are not config overrides (file names). */
    public List<String> words() {
        return positional.stream().filter(word -> !isOverride(word)).toList();
    }

    /** Fails with the first option the command never asked about. Call after reading all options. */
    public void rejectUnknown() {
        for (String name : options.keySet()) {
            if (!read.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + " (see --help)");
            }
        }
    }
}
