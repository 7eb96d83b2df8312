package dev.reason4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The group seam: groupwise rewards see a prompt's n responses at once, per-sample ones keep working alone. */
class GroupScoringTest {
    private static List<RewardInput> inputs(String... responses) {
        List<RewardInput> inputs = new ArrayList<>();
        for (String response : responses) {
            inputs.add(new RewardInput("Q", response, null, "test", 1, Map.of()));
        }
        return inputs;
    }

    /** Reward: how many responses of the group equal this one, over the group size. */
    private static final RewardFunction AGREEMENT = new RewardFunction() {
        @Override
        public RewardResult score(RewardInput input) {
            return RewardResult.of(1.0);
        }

        @Override
        public List<RewardResult> scoreGroup(List<RewardInput> group) {
            return group.stream().map(in -> RewardResult.of(group.stream()
                    .filter(other -> other.response().equals(in.response())).count() / (double) group.size()))
                    .toList();
        }

        @Override
        public boolean groupwise() {
            return true;
        }
    };

    @Test
    void theDefaultScoresEachAlone() {
        RewardFunction length = in -> RewardResult.of(in.response().length());
        assertFalse(length.groupwise());
        assertEquals(List.of(RewardResult.of(1), RewardResult.of(3)), length.scoreGroup(inputs("a", "abc")));
    }

    @Test
    void aWeightedSumPassesTheGroupToEachComponent() {
        WeightedReward sum = new WeightedReward(List.of(
                new WeightedReward.Component("agree", 2.0, AGREEMENT),
                new WeightedReward.Component("length", 0.5, in -> RewardResult.of(in.response().length()))));
        assertTrue(sum.groupwise());
        List<RewardResult> results = sum.scoreGroup(inputs("x", "x", "yy", "x"));
        assertEquals(List.of(2 * 0.75 + 0.5, 2 * 0.75 + 0.5, 2 * 0.25 + 1.0, 2 * 0.75 + 0.5),
                results.stream().map(RewardResult::reward).toList());
        assertEquals(Map.of("agree", 0.25, "length", 2.0), results.get(2).metrics());
        assertFalse(new WeightedReward(List.of(new WeightedReward.Component("one", 1.0, in -> RewardResult.of(1))))
                .groupwise());
        // A component's error (an unreadable judge verdict, say) is the sum's error, named by the component.
        RewardFunction failing = in -> new RewardResult(0.0, Map.of(), "no verdict");
        assertEquals("judge: no verdict", new WeightedReward(List.of(
                new WeightedReward.Component("length", 1.0, in -> RewardResult.of(1)),
                new WeightedReward.Component("judge", 1.0, failing))).score(inputs("x").getFirst()).error());
        // A component's own metric already under its name keeps that name (judge/parse_failure, not judge/judge/…).
        RewardFunction judge = in -> new RewardResult(0.5, Map.of("judge/parse_failure", 0.0, "score", 5.0));
        assertEquals(Map.of("judge", 0.5, "judge/parse_failure", 0.0, "judge/score", 5.0),
                new WeightedReward(List.of(new WeightedReward.Component("judge", 1.0, judge)))
                        .score(inputs("x").getFirst()).metrics());
    }

    @Test
    void aGroupwiseFunctionGetsTheGroupInOneCallWithOneTimeLimit() throws Exception {
        RewardFunction slow = new RewardFunction() {
            @Override
            public RewardResult score(RewardInput input) {
                throw new AssertionError("a groupwise reward is scored as a group");
            }

            @Override
            public List<RewardResult> scoreGroup(List<RewardInput> group) {
                if (group.getFirst().response().equals("broken")) {
                    throw new IllegalStateException("bad group");
                }
                if (group.getFirst().response().equals("slow")) {
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return AGREEMENT.scoreGroup(group);
            }

            @Override
            public boolean groupwise() {
                return true;
            }
        };
        try (AsyncRewardScorer scorer = new AsyncRewardScorer(slow, 2, Duration.ofMillis(300))) {
            assertEquals(List.of(RewardResult.of(2 / 3.0), RewardResult.of(1 / 3.0), RewardResult.of(2 / 3.0)),
                    scorer.submitGroup(inputs("a", "b", "a")).get(5, TimeUnit.SECONDS));
            RewardResult timeout = new RewardResult(0.0, Map.of(AsyncRewardScorer.TIMEOUT_METRIC, 1.0),
                    "timed out after 0.3 s");
            assertEquals(List.of(timeout, timeout), scorer.submitGroup(inputs("slow", "a")).get(5, TimeUnit.SECONDS));
            RewardResult error = new RewardResult(0.0, Map.of(AsyncRewardScorer.ERROR_METRIC, 1.0), "bad group");
            assertEquals(List.of(error, error), scorer.submitGroup(inputs("broken", "a")).get(5, TimeUnit.SECONDS));
            assertEquals(List.of(), scorer.submitGroup(List.of()).get(5, TimeUnit.SECONDS));
        }
    }

    @Test
    void aPerSampleFunctionInAGroupFailsOnlyWhereItFails() throws Exception {
        RewardFunction function = in -> {
            if (in.response().equals("broken")) {
                throw new IllegalStateException("bad response");
            }
            return RewardResult.of(Double.parseDouble(in.response()));
        };
        try (AsyncRewardScorer scorer = new AsyncRewardScorer(function, 2, Duration.ofSeconds(30))) {
            List<RewardResult> results = scorer.submitGroup(inputs("0.5", "broken", "1")).get(5, TimeUnit.SECONDS);
            assertEquals(RewardResult.of(0.5), results.get(0));
            assertEquals(new RewardResult(0.0, Map.of(AsyncRewardScorer.ERROR_METRIC, 1.0), "bad response"),
                    results.get(1));
            assertEquals(RewardResult.of(1.0), results.get(2));
        }
    }
}
