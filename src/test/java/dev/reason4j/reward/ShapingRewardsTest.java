package dev.reason4j.reward;

import dev.reason4j.config.Config;
import dev.reason4j.trainer.Setup;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShapingRewardsTest {
    private static RewardInput response(String prompt, String text, int tokens) {
        return new RewardInput(prompt, text, "42", "test", tokens, Map.of());
    }

    private static double format(FormatReward reward, String prompt, String text) {
        return reward.score(response(prompt, text, 1)).reward();
    }

    @Test
    void formatRewardNeedsReasoningThenAnAnswer() {
        FormatReward reward = new FormatReward();
        assertEquals(1.0, format(reward, "Q", "<think>add them</think> 42"));
        assertEquals(1.0, format(reward, "Q", "  <think>\nadd\n</think>\n\nThe answer is 42."));
        assertEquals(1.0, format(reward, "Q <think>\n", "add them</think>42"), "open tag at the end of the prompt");
        assertEquals(0.0, format(reward, "Q", "add them</think>42"), "no opening tag anywhere");
        assertEquals(0.0, format(reward, "Q", "<think>add them</think>   "), "no answer");
        assertEquals(0.0, format(reward, "Q", "<think>add them 42"), "reasoning never closed");
        assertEquals(0.0, format(reward, "Q", "<think>a</think>42<think>b</think>43"), "two reasoning blocks");
        assertEquals(0.0, format(reward, "Q", "<think>a<think>b</think>42"), "nested reasoning");
        assertEquals(0.0, format(reward, "Q", "42 <think>a</think>42"), "text before the reasoning");
    }

    @Test
    void formatRewardWithAnswerTags() {
        FormatReward reward = new FormatReward("<reasoning>", "</reasoning>", "<answer>", "</answer>");
        assertEquals(1.0, format(reward, "Q", "<reasoning>r</reasoning>\n<answer> 42 </answer>\n"));
        assertEquals(0.0, format(reward, "Q", "<reasoning>r</reasoning> 42"));
        assertEquals(0.0, format(reward, "Q", "<reasoning>r</reasoning><answer> </answer>"));
        assertEquals(0.0, format(reward, "Q", "<reasoning>r</reasoning><answer>4</answer> and 2"));
        assertEquals(0.0, format(reward, "Q", "<reasoning>r</reasoning><answer>4<answer>2</answer>"));
        assertThrows(IllegalArgumentException.class, () -> new FormatReward("<t>", "</t>", "<a>", null));
    }

    @Test
    void overlongPenaltyFollowsDapo() {
        // L_max = 20, L_buf = 4, factor 1: zero up to 16 tokens, then -(len - 16) / 4.
        OverlongPenalty penalty = new OverlongPenalty(20, 4, 1.0);
        assertEquals(0.0, penalty.score(response("", "", 10)).reward());
        assertEquals(0.0, penalty.score(response("", "", 16)).reward());
        assertEquals(-0.25, penalty.score(response("", "", 17)).reward(), 1e-12);
        assertEquals(-1.0, penalty.score(response("", "", 20)).reward(), 1e-12);
        assertEquals(1.0, penalty.score(response("", "", 20)).metrics().get("overlong"));
        assertEquals(0.0, penalty.score(response("", "", 16)).metrics().get("overlong"));
        assertEquals(-0.5, new OverlongPenalty(20, 4, 0.5).score(response("", "", 20)).reward(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new OverlongPenalty(20, 0, 1.0));
    }

    @Test
    void lengthPenaltyIsLinearInTokens() {
        assertEquals(-0.025, new LengthPenalty(0.1, 200).score(response("", "", 50)).reward(), 1e-12);
    }

    @Test
    void theConfigAddsTheLengthPenalty() {
        // A correct, well-formed answer of 50 tokens out of 200: 1 (math) − 0.1·50/200, the penalty reported apart.
        Config config = Config.load(null, List.of("reward.functions={math: 1.0}", "reward.length_penalty.coef=0.1",
                "data.max_response_length=200"));
        try (AsyncRewardScorer scorer = Setup.rewardScorer(config)) {
            RewardResult result = scorer.scoreAll(List.of(response("Q", "\\boxed{42}", 50))).get(0);
            assertEquals(0.975, result.reward(), 1e-12);
            assertEquals(-0.025, result.metrics().get("length"), 1e-12);
        }
    }

    @Test
    void weightedRewardSumsAndReportsEachComponent() {
        RewardFunction correct = in -> new RewardResult(1.0, Map.of("exact", 1.0));
        WeightedReward reward = new WeightedReward(List.of(
                new WeightedReward.Component("correct", 1.0, correct),
                new WeightedReward.Component("format", 0.5, new FormatReward()),
                new WeightedReward.Component("overlong", 1.0, new OverlongPenalty(20, 4, 1.0))));
        RewardResult result = reward.score(response("Q", "<think>x</think>42", 18));
        assertEquals(1.0 + 0.5 * 1.0 - 0.5, result.reward(), 1e-12);
        assertEquals(1.0, result.metrics().get("correct"));
        assertEquals(1.0, result.metrics().get("correct/exact"));
        assertEquals(1.0, result.metrics().get("format"));
        assertEquals(-0.5, result.metrics().get("overlong"), 1e-12);
        assertEquals(1.0, result.metrics().get("overlong/overlong"));
    }

    @Test
    void meanMetricsCountMissingAsZero() {
        Map<String, Double> means = RewardResult.meanMetrics(List.of(
                new RewardResult(1.0, Map.of("a", 1.0)), new RewardResult(0.0, Map.of("flag", 1.0))));
        assertEquals(Map.of("reward", 0.5, "a", 0.5, "flag", 0.5), means);
    }
}
