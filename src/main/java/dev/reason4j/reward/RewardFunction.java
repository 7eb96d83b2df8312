package dev.reason4j.reward;

import java.util.ArrayList;
import java.util.List;

/**
 * Scores one response. Implementations must be thread-safe: the trainer scores many responses concurrently.
 * Registered by name in {@code RewardFunctions} so configs can pick them.
 *
 * <p>A reward that compares the responses to one prompt with each other (TTRL's majority vote) overrides
 * {@link #scoreGroup} and {@link #groupwise}; the trainer then hands it all n samples of a prompt at once.
 */
@FunctionalInterface
public interface RewardFunction {
    RewardResult score(RewardInput input);

    /**
     * Scores the responses to one prompt together; results in input order. By default each alone with
     * {@link #score}.
     */
    default List<RewardResult> scoreGroup(List<RewardInput> group) {
        List<RewardResult> results = new ArrayList<>(group.size());
        for (RewardInput input : group) {
            results.add(score(input));
        }
        return results;
    }

    /**
     * True when a response's reward depends on the other responses to its prompt, so it must be scored with
     * {@link #scoreGroup}; false lets a scorer score each response on its own (in parallel, each with its own
     * time limit).
     */
    default boolean groupwise() {
        return false;
    }
}
