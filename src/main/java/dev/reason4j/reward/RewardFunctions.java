package dev.reason4j.reward;

import dev.reason4j.config.Registry;
import dev.reason4j.reward.code.CodeReward;
import dev.reason4j.reward.code.CodeRewardConfig;
import dev.reason4j.reward.math.MathReward;
import dev.reason4j.reward.unsupervised.MajorityVoteReward;
import dev.reason4j.reward.unsupervised.SelfCertaintyReward;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
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

    private static final Registry<RewardFunction> REGISTRY = new Registry<>("reward function");
    private static final List<Route> ROUTES = new CopyOnWriteArrayList<>();

    static {
        register("format", new FormatReward());
        register("math", new MathReward());
        register("code", new CodeReward(CodeRewardConfig.defaults()));
        register("majority_vote", new MajorityVoteReward());
        register("self_certainty", new SelfCertaintyReward());
        register("judge", input -> {   // a run binds its judge from reward.judge (Setup.rewardScorer)
            throw new IllegalStateException("the judge reward has no judge model: set reward.judge.model or"
                    + " reward.judge.endpoint");
        });
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

    /** Registers a function under a new {@code name} (a name already taken is refused). */
    public static void register(String name, RewardFunction function) {
        REGISTRY.register(name, function);
    }

    /**
     * Binds {@code name} to a run's configured function (a task's verifier with the run's options, the code reward
     * with {@code reward.code}), replacing an earlier run's.
     */
    public static void configure(String name, RewardFunction function) {
        REGISTRY.replace(name, function);
    }

    /** The function registered as {@code name}; an error suggests the nearest and lists the known names. */
    public static RewardFunction get(String name) {
        return REGISTRY.get(name);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return REGISTRY.names();
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
        Optional<RewardFunction> own = REGISTRY.find(dataSource);
        if (own.isPresent()) {
            return own.get();
        }
        List<String> tried = new ArrayList<>();
        for (Route route : ROUTES) {
            if (route.matches().test(dataSource)) {
                tried.add(route.rewardName());
                Optional<RewardFunction> routed = REGISTRY.find(route.rewardName());
                if (routed.isPresent()) {
                    return routed.get();
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
