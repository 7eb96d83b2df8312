package dev.reason4j.reward;

/**
 * Scores one response. Implementations must be thread-safe: the trainer scores many responses concurrently.
 * Registered by name in {@code RewardFunctions} so configs can pick them.
 */
@FunctionalInterface
public interface RewardFunction {
    RewardResult score(RewardInput input);
}
