package dev.reason4j.env;

import dev.reason4j.config.Options;
import dev.reason4j.config.Registry;

import java.util.Map;
import java.util.SortedSet;
import java.util.function.Function;

/**
 * Registry of environments by name: each name maps its options to an {@link EnvironmentFactory}. Built in:
 * {@code task} ({@link TaskEnvironment}: one answer, scored by the reward of the example's data source),
 * {@code guess_number} ({@link GuessNumberEnvironment}) and {@code http} ({@link HttpEnvironment}).
 *
 * <pre>{@code
 * EnvironmentFactory factory = Environments.create("guess_number", Map.of("step_reward", 0.1));
 * try (Environment env = factory.create(example)) {
 *     String observation = env.reset(seed);
 *     StepResult result = env.step("\\boxed{50}");
 * }
 * }</pre>
 */
public final class Environments {
    private static final Registry<Function<Map<String, Object>, EnvironmentFactory>> FACTORIES =
            new Registry<>("environment");

    static {
        register(TaskEnvironment.NAME, TaskEnvironment::factory);
        register(GuessNumberTask.NAME, GuessNumberEnvironment::factory);
        register(HttpEnvironment.NAME, HttpEnvironment::factory);
    }

    private Environments() {
    }

    /**
     * Registers an environment under a new name (a name already taken is refused); {@code factory} receives the
     * options map (never null) and must reject unknown options (read them with {@link Options}).
     */
    public static void register(String name, Function<Map<String, Object>, EnvironmentFactory> factory) {
        FACTORIES.register(name, factory);
    }

    /** Removes a registered environment (a test's or a plugin's own). */
    public static void unregister(String name) {
        FACTORIES.unregister(name);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return FACTORIES.names();
    }

    /** The factory of that name with these options; an unknown name or option is a one-line error naming it. */
    public static EnvironmentFactory create(String name, Map<String, Object> options) {
        return FACTORIES.get(name).apply(options == null ? Map.of() : options);
    }
}
