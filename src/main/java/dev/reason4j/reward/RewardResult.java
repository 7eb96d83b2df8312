package dev.reason4j.reward;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A response's scalar reward and named details for metrics (e.g. {@code "format": 1.0, "correct": 0.0}).
 *
 * @param error why no reward could be computed (the reward function failed or timed out); null when it was
 * @param steps dense rewards: parts of {@code reward} earned by the text up to a character offset of the response
 *              (a process reward model's steps); the trainer puts each on the token that completes its text and the
 *              rest of {@code reward} on the last token. Empty for an outcome reward, all on the last token
 */
public record RewardResult(double reward, Map<String, Double> metrics, String error, List<StepReward> steps) {
    /** {@code reward} of the text that ends at character {@code end} (exclusive) of the response. */
    public record StepReward(int end, double reward) {}

    public RewardResult {
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    public RewardResult(double reward, Map<String, Double> metrics, String error) {
        this(reward, metrics, error, List.of());
    }

    public RewardResult(double reward, Map<String, Double> metrics) {
        this(reward, metrics, null);
    }

    public static RewardResult of(double reward) {
        return new RewardResult(reward, Map.of());
    }

    /**
     * Batch means for logging: {@code "reward"} and every metric any result reports, a result that lacks a metric
     * counting as 0 (so flags such as {@code reward_timeout} give the fraction of responses flagged).
     */
    public static Map<String, Double> meanMetrics(List<RewardResult> results) {
        Map<String, Double> sums = new TreeMap<>();
        for (RewardResult result : results) {
            sums.merge("reward", result.reward(), Double::sum);
            result.metrics().forEach((key, value) -> sums.merge(key, value, Double::sum));
        }
        sums.replaceAll((key, sum) -> sum / results.size());
        return sums;
    }
}
