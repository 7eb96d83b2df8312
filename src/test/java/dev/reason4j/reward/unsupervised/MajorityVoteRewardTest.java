package dev.reason4j.reward.unsupervised;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.reward.RewardFunctions;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MajorityVoteRewardTest {
    private final MajorityVoteReward reward = new MajorityVoteReward();

    private static List<RewardInput> group(String groundTruth, String... responses) {
        List<RewardInput> group = new ArrayList<>();
        for (String response : responses) {
            group.add(new RewardInput("Q", response, groundTruth, "math", 5, Map.of()));
        }
        return group;
    }

    private static List<Double> rewards(List<RewardResult> results) {
        return results.stream().map(RewardResult::reward).toList();
    }

    @Test
    void equivalentAnswersVoteTogetherAndTheMajorityIsRewarded() {
        // 4, 4.0 and 8/2 are one answer (the verifier's equivalence); 5 and the response without an answer get 0.
        List<RewardResult> results = reward.scoreGroup(group("4",
                "so \\boxed{4}", "The answer is 4.0", "\\boxed{\\frac{8}{2}}", "\\boxed{5}", ""));
        assertEquals(List.of(1.0, 1.0, 1.0, 0.0, 0.0), rewards(results));
        for (RewardResult result : results) {
            assertEquals(3.0 / 5, result.metrics().get(MajorityVoteReward.MAJORITY_SHARE));
            assertEquals(0.0, result.metrics().get(MajorityVoteReward.NO_LABEL));
            assertEquals(1.0, result.metrics().get(MajorityVoteReward.LABEL_ACCURACY));
        }
        assertEquals(List.of(1.0, 1.0, 1.0, 1.0, 0.0), results.stream()
                .map(r -> r.metrics().get(MajorityVoteReward.ANSWER_FOUND)).toList());
    }

    @Test
    void aWrongMajorityIsRewardedAndItsLabelAccuracyShowsIt() {
        // The pseudo-label is 7 although the truth is 5: TTRL rewards the majority, the metric tells the user.
        List<RewardResult> results = reward.scoreGroup(group("5", "\\boxed{7}", "\\boxed{7}", "\\boxed{5}"));
        assertEquals(List.of(1.0, 1.0, 0.0), rewards(results));
        results.forEach(r -> assertEquals(0.0, r.metrics().get(MajorityVoteReward.LABEL_ACCURACY)));
        results.forEach(r -> assertEquals(2.0 / 3, r.metrics().get(MajorityVoteReward.MAJORITY_SHARE)));
    }

    @Test
    void aTieOrNoAnswerGivesNoLabelAndZeroForAll() {
        List<RewardResult> tie = reward.scoreGroup(group("1", "\\boxed{1}", "\\boxed{2}", "\\boxed{2}",
                "\\boxed{1}", "\\boxed{3}"));
        assertEquals(List.of(0.0, 0.0, 0.0, 0.0, 0.0), rewards(tie));
        tie.forEach(r -> assertEquals(1.0, r.metrics().get(MajorityVoteReward.NO_LABEL)));
        tie.forEach(r -> assertEquals(0.4, r.metrics().get(MajorityVoteReward.MAJORITY_SHARE)));
        tie.forEach(r -> assertEquals(0.0, r.metrics().get(MajorityVoteReward.LABEL_ACCURACY)));

        List<RewardResult> none = reward.scoreGroup(group(null, "", "  "));
        assertEquals(List.of(0.0, 0.0), rewards(none));
        none.forEach(r -> assertEquals(1.0, r.metrics().get(MajorityVoteReward.NO_LABEL)));
        none.forEach(r -> assertEquals(0.0, r.metrics().get(MajorityVoteReward.MAJORITY_SHARE)));
        none.forEach(r -> assertFalse(r.metrics().containsKey(MajorityVoteReward.LABEL_ACCURACY),
                "no ground truth, no label accuracy"));
    }

    @Test
    void itIsRegisteredAndScoresGroups() {
        assertTrue(RewardFunctions.get("majority_vote").groupwise());
        assertEquals(List.of(1.0, 0.0), rewards(RewardFunctions.get("majority_vote")
                .scoreGroup(group(null, "\\boxed{2}", "\\boxed{3}", "\\boxed{2}")).subList(0, 2)));
    }
}
