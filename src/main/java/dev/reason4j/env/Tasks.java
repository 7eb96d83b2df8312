package dev.reason4j.env;

import dev.reason4j.config.Config;
import dev.reason4j.config.Registry;

import java.util.Map;
import java.util.SortedSet;
import java.util.function.Function;

/** Registry of built-in tasks by name. Add one with {@link #register}. */
public final class Tasks {
    private static final Registry<Function<Map<String, Object>, Task>> FACTORIES = new Registry<>("task");

    static {
        register(ArithmeticTask.NAME, ArithmeticTask::new);
        register(CountdownTask.NAME, CountdownTask::new);
        register(GsmTask.NAME, GsmTask::new);
        register(ToolArithmeticTask.NAME, ToolArithmeticTask::new);
        register(GuessNumberTask.NAME, GuessNumberTask::new);
    }

    private Tasks() {
    }

    /**
     * Registers a task factory under a new name (a name already taken is refused); it receives the options map
     * (never null) and must reject unknown options.
     */
    public static void register(String name, Function<Map<String, Object>, Task> factory) {
        FACTORIES.register(name, factory);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return FACTORIES.names();
    }

    /** The task of that name with these options (e.g. {@code {digits: 3}}); unknown names and options fail. */
    public static Task create(String name, Map<String, Object> options) {
        return FACTORIES.get(name).apply(options == null ? Map.of() : options);
    }

    /** The task named by config {@code data.task} with options {@code data.task_options}. */
    public static Task fromConfig(Config config) {
        return create(config.getString("data.task"), config.getMap("data.task_options"));
    }
}
