package dev.reason4j.reward;

import dev.reason4j.reward.code.CodeReward;
import dev.reason4j.reward.code.CodeRewardConfig;
import dev.reason4j.reward.math.MathReward;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Reward functions by name, and the choice of one by a sample's {@code data_source} (as verl's
 * {@code default_compute_score}). A user adds one in a line: {@code RewardFunctions.register("mine", in -> ...)}.
 *
 * <p>Routing: a function registered under the data source's own name wins; otherwise the first matching route
 * (math datasets such as {@code openai/gsm8k} → {@code "math"}, code datasets such as {@code codecontests} →
 * {@code "code"}); otherwise an error naming the data source.
 */
public final class RewardFunctions {
    private RewardFunctions() {}

    private record Route(Predicate<String> matches, String rewardName) {}

    private static final Map<String, RewardFunction> REGISTRY = new ConcurrentHashMap<>();
    private static final List<Route> ROUTES = new CopyOnWriteArrayList<>();

    static {
        register("format", new FormatReward());
        register("math", new MathReward());
        register("code", new CodeReward(CodeRewardConfig.defaults()));
        // verl's default_compute_score data sources, by family.
        for (String source : List.of("openai/gsm8k", "gsm8k", "lighteval/MATH", "DigitalLearningGmbH/MATH-lighteval",
                "HuggingFaceH4/MATH-500", "math", "math_dapo", "math_dapo_reasoning")) {
            route(source, "math");
        }
        route(source -> source.startsWith("aime") || source.startsWith("numina_"), "math");
        for (String source : List.of("code", "codecontests", "apps", "codeforces", "taco", "livecodebench",
                "primeintellect", "humaneval", "mbpp")) {
            route(source, "code");
        }
    }

    /** Registers (or replaces) the function called {@code name}. */
    public static void register(String name, RewardFunction function) {
        if (name == null || name.isBlank() || function == null) {
            throw new IllegalArgumentException("a reward function needs a name and a function");
        }
        REGISTRY.put(name, function);
    }

    /** The function registered as {@code name}; an error lists the known names. */
    public static RewardFunction get(String name) {
        RewardFunction function = REGISTRY.get(name);
        if (function == null) {
            throw new IllegalArgumentException("unknown reward function '" + name + "' (known: " + names() + ")");
        }
        return function;
    }

    public static List<String> names() {
        return List.copyOf(new TreeMap<>(REGISTRY).keySet());
    }

    /** Sends samples whose data source equals {@code dataSource} to the function named {@code rewardName}. */
    public static void route(String dataSource, String rewardName) {
        route(dataSource::equals, rewardName);
    }

    /** Sends samples whose data source matches to the function named {@code rewardName}; earlier routes win. */
    public static void route(Predicate<String> dataSource, String rewardName) {
        ROUTES.add(new Route(dataSource, rewardName));
    }

    /** The function for a data source (see the class comment for the order). */
    public static RewardFunction forDataSource(String dataSource) {
        if (dataSource == null) {
            throw new IllegalArgumentException("sample has no data_source, so no reward function can be chosen");
        }
        RewardFunction own = REGISTRY.get(dataSource);
        if (own != null) {
            return own;
        }
        List<String> tried = new ArrayList<>();
        for (Route route : ROUTES) {
            if (route.matches().test(dataSource)) {
                tried.add(route.rewardName());
                RewardFunction routed = REGISTRY.get(route.rewardName());
                if (routed != null) {
                    return routed;
                }
            }
        }
        throw new IllegalArgumentException("no reward function for data_source '" + dataSource + "'"
                + (tried.isEmpty() ? "" : " (routed to " + tried + ", not registered)")
                + "; register one with RewardFunctions.register(\"" + dataSource + "\", fn) (known: " + names() + ")");
    }

    /** A function that scores each sample with {@link #forDataSource} of its own data source. */
    public static RewardFunction byDataSource() {
        return input -> forDataSource(input.dataSource()).score(input);
    }
}
