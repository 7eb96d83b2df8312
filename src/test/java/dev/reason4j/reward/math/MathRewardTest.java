package dev.reason4j.reward.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MathRewardTest {
    private final MathReward reward = new MathReward();

    private static RewardInput input(String response, String groundTruth) {
        return new RewardInput("What is 6*7?", response, groundTruth, "math", 10, Map.of());
    }

    @Test
    void scoresOneForAnEquivalentAnswer() {
        RewardResult result = reward.score(input("6*7 = 42, so \\boxed{42}", "42"));
        assertEquals(1.0, result.reward());
        assertEquals(1.0, result.metrics().get("answer_found"));
        assertEquals(0.0, result.metrics().get("verifier_timeout"));
    }

    @Test
    void scoresZeroForAWrongOrMissingAnswer() {
        assertEquals(0.0, reward.score(input("\\boxed{41}", "42")).reward());
        RewardResult missing = reward.score(input("I am not sure.", "42"));
        assertEquals(0.0, missing.reward());
        assertEquals(0.0, missing.metrics().get("answer_found"));
    }

    @Test
    void missingGroundTruthIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> reward.score(input("\\boxed{42}", null)));
        assertEquals(true, e.getMessage().contains("math"));
    }
}
