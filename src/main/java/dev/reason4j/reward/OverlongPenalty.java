package dev.reason4j.reward;

import java.util.Map;

/**
 * DAPO's soft overlong punishment (Yu et al. 2025, "DAPO", eq. 13), as verl's DAPO reward manager computes it:
 * {@code r = min(0, -(len - (maxTokens - bufferTokens)) / bufferTokens · factor)}: zero up to
 * {@code maxTokens - bufferTokens}, then falling linearly to {@code -factor} at {@code maxTokens}.
 * Add it to a correctness reward with weight 1 in a {@link WeightedReward}.
 */
public record OverlongPenalty(int maxTokens, int bufferTokens, double factor) implements RewardFunction {
    public OverlongPenalty {
        if (bufferTokens <= 0 || bufferTokens > maxTokens) {
            throw new IllegalArgumentException("overlong penalty: buffer " + bufferTokens
                    + " must be in [1, max tokens " + maxTokens + "]");
        }
        if (!(factor >= 0)) {
            throw new IllegalArgumentException("overlong penalty: factor must be >= 0, got " + factor);
        }
    }

    @Override
    public RewardResult score(RewardInput input) {
        double exceed = input.responseTokens() - (maxTokens - bufferTokens);
        double penalty = exceed > 0 ? -exceed / bufferTokens * factor : 0.0; // min(0, ·) without a -0.0
        return new RewardResult(penalty, Map.of("overlong", penalty < 0 ? 1.0 : 0.0));
    }
}
