package dev.reason4j.reward.code;

import java.util.Locale;

/** Languages the sandbox runs. */
public enum Language {
    PYTHON, JAVA;

    /** {@code "python"}, {@code "python3"}, {@code "py"}, {@code "java"} (any case). */
    public static Language parse(String name) {
        return switch (name == null ? "" : name.strip().toLowerCase(Locale.ROOT)) {
            case "python", "python3", "py" -> PYTHON;
            case "java" -> JAVA;
            default -> throw new IllegalArgumentException("unsupported language '" + name + "' (python, java)");
        };
    }
}
