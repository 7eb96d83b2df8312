package dev.reason4j.reward.math;

import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import java.util.Map;

/**
 * Reward 1 when the response's final answer is equivalent to the ground truth, else 0. Metrics:
 * {@code correct}, {@code answer_found} (the response marked an answer at all) and {@code verifier_timeout}.
 */
public final class MathReward implements RewardFunction {
    private final MathVerifier verifier;

    public MathReward() {
        this(new MathVerifier());
    }

    public MathReward(MathVerifier verifier) {
        this.verifier = verifier;
    }

    @Override
    public RewardResult score(RewardInput input) {
        if (input.groundTruth() == null) {
            throw new IllegalArgumentException("math reward needs a ground truth (data source '"
                    + input.dataSource() + "')");
        }
        MathVerdict verdict = verifier.verify(input.groundTruth(), input.response());
        double correct = verdict.correct() ? 1.0 : 0.0;
        return new RewardResult(correct, Map.of(
                "correct", correct,
                "answer_found", verdict.predParsed() == null ? 0.0 : 1.0,
                "verifier_timeout", verdict.timedOut() ? 1.0 : 0.0));
    }
}
