package dev.reason4j.reward;

import java.util.Map;

/**
 * A response's scalar reward and named details for metrics (e.g. {@code "format": 1.0, "correct": 0.0}).
 */
public record RewardResult(double reward, Map<String, Double> metrics) {
    public RewardResult {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    public static RewardResult of(double reward) {
        return new RewardResult(reward, Map.of());
    }
}
