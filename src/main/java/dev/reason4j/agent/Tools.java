package dev.reason4j.agent;

import dev.reason4j.config.Options;
import dev.reason4j.config.Registry;

import java.util.Map;
import java.util.SortedSet;
import java.util.function.Function;

/** Registry of tools by name: the built-ins {@code python}, {@code calculator} and {@code search}, and users' own. */
public final class Tools {
    private static final Registry<Function<Map<String, Object>, Tool>> FACTORIES = new Registry<>("tool");

    static {
        register(PythonTool.NAME, PythonTool::new);
        register(CalculatorTool.NAME, CalculatorTool::new);
        register(SearchTool.NAME, SearchTool::new);
    }

    private Tools() {
    }

    /**
     * Registers a tool factory under a new name (a name already taken is refused); it receives the options map
     * (never null) and must reject unknown options ({@link Options#finish}).
     */
    public static void register(String name, Function<Map<String, Object>, Tool> factory) {
        FACTORIES.register(name, factory);
    }

    /** Removes a user's tool (a test's or a plugin's own, when it is done with it). */
    public static void unregister(String name) {
        FACTORIES.unregister(name);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return FACTORIES.names();
    }

    /**
     * The tool of that name with these options (e.g. {@code {timeout_s: 5}}); an unknown name (with the nearest
     * registered one) or option fails, as does a tool that cannot work here (no sandbox, no documents).
     */
    public static Tool create(String name, Map<String, Object> options) {
        return FACTORIES.get(name).apply(options == null ? Map.of() : options);
    }
}
