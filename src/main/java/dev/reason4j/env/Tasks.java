package dev.reason4j.env;

import dev.reason4j.config.Config;
import dev.reason4j.config.Suggestions;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Registry of built-in tasks by name. Add one with {@link #register}. */
public final class Tasks {
    private static final Map<String, Function<Map<String, Object>, Task>> FACTORIES = new LinkedHashMap<>();

    static {
        register(ArithmeticTask.NAME, ArithmeticTask::new);
        register(CountdownTask.NAME, CountdownTask::new);
        register(WordProblemTask.NAME, WordProblemTask::new);
    }

    private Tasks() {
    }

    /** Registers a task factory; it receives the options map (never null) and must reject unknown options. */
    public static synchronized void register(String name, Function<Map<String, Object>, Task> factory) {
        FACTORIES.put(name, factory);
    }

    public static synchronized Set<String> names() {
        return Set.copyOf(FACTORIES.keySet());
    }

    /** The task of that name with these options (e.g. {@code {digits: 3}}); unknown names and options fail. */
    public static synchronized Task create(String name, Map<String, Object> options) {
        Function<Map<String, Object>, Task> factory = FACTORIES.get(name);
        if (factory == null) {
            throw new IllegalArgumentException("unknown task '" + name + "'"
                    + Suggestions.didYouMean(name, FACTORIES.keySet()) + " (tasks: "
                    + String.join(", ", FACTORIES.keySet()) + ")");
        }
        return factory.apply(options == null ? Map.of() : options);
    }

    /** The task named by config {@code data.task} with options {@code data.task_options}. */
    public static Task fromConfig(Config config) {
        return create(config.getString("data.task"), config.getMap("data.task_options"));
    }
}
