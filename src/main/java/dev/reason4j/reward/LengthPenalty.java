package dev.reason4j.reward;

/**
 * A linear length cost: {@code r = -coefficient · responseTokens / maxTokens}, i.e. {@code -coefficient} for a
 * response that uses the whole token budget. Nudges towards shorter reasoning at equal correctness.
 */
public record LengthPenalty(double coefficient, int maxTokens) implements RewardFunction {
    public LengthPenalty {
        if (maxTokens <= 0) {
            throw new IllegalArgumentException("length penalty: max tokens must be positive, got " + maxTokens);
        }
    }

    @Override
    public RewardResult score(RewardInput input) {
        return RewardResult.of(-coefficient * input.responseTokens() / maxTokens);
    }
}
