package dev.reason4j.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.reward.math.MathReward;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RewardCheckTest {
    /** A deliberately hackable reward: any boxed answer scores 1, right or wrong, plus a bonus for length. */
    private static final RewardFunction HACKABLE = in -> RewardResult.of(
            (in.response().contains("\\boxed{") ? 1.0 : 0.0) + in.response().length() / 100.0);

    private static RewardInput input(String response, String groundTruth) {
        return new RewardInput("Q", response, groundTruth, "math", 3, Map.of());
    }

    @Test
    void theVerifierIsLoggedBesideAHackableRewardAndTheyDisagree() {
        RewardCheck checked = new RewardCheck(HACKABLE, new MathReward());
        // Prompt 0 (truth 4): a long wrong boxed answer beats the short right one; prompt 1 (truth 9): right wins.
        List<RewardInput> first = List.of(input("\\boxed{4}", "4"), input("I think it is \\boxed{5}", "4"),
                input("4", "4"));
        List<RewardInput> second = List.of(input("\\boxed{9}", "9"), input("nine-ish", "9"));
        List<RewardResult> results = new ArrayList<>(checked.scoreGroup(first));
        results.addAll(checked.scoreGroup(second));
        results.add(checked.score(input("\\boxed{1}", null)));   // no ground truth: unchecked
        int[] groups = {0, 0, 0, 1, 1, 2};

        double[] learned = new double[6];
        for (int i = 0; i < 6; i++) {
            learned[i] = results.get(i).reward();
        }
        assertEquals(1 + 9 / 100.0, learned[0], "the reward is the learned one, untouched");
        List<Double> verified = new ArrayList<>();
        for (RewardResult result : results.subList(0, 5)) {
            verified.add(result.metrics().get(RewardCheck.SCORE));
        }
        assertEquals(List.of(1.0, 0.0, 1.0, 1.0, 0.0), verified);
        assertFalse(results.get(5).metrics().containsKey(RewardCheck.SCORE));

        Map<String, Double> metrics = RewardCheck.metrics(results, groups);
        assertEquals(3 / 5.0, metrics.get("reward_check/score"));
        assertEquals(5 / 6.0, metrics.get("reward_check/coverage"));
        // Pairs the verifier tells apart: (0,1) learned 1.09 < 1.23 disagrees; (1,2) 1.23 > 0.01 disagrees;
        // (3,4) 1.10 > 0.08 agrees. (0,2) are both right, and 5 is unchecked.
        assertEquals(1 / 3.0, metrics.get("reward_check/agreement"), 1e-15);
        assertEquals(pearson(new double[] {learned[0], learned[1], learned[2], learned[3], learned[4]},
                new double[] {1, 0, 1, 1, 0}), metrics.get("reward_check/correlation"), 1e-12);
        assertTrue(metrics.get("reward_check/correlation") < 0.5, "they diverge: " + metrics);
    }

    @Test
    void undefinedAgreementAndCorrelationAreLeftOut() {
        List<RewardResult> results = List.of(new RewardResult(0.5, Map.of(RewardCheck.SCORE, 1.0)),
                new RewardResult(0.5, Map.of(RewardCheck.SCORE, 1.0)));
        assertEquals(Map.of("reward_check/score", 1.0, "reward_check/coverage", 1.0),
                RewardCheck.metrics(results, new int[] {0, 0}));
        assertEquals(Map.of(), RewardCheck.metrics(List.of(RewardResult.of(1)), new int[] {0}));
    }

    @Test
    void itKeepsTheLearnedRewardsGroupScoring() {
        assertTrue(new RewardCheck(RewardFunctions.get("majority_vote"), new MathReward()).groupwise());
        assertFalse(new RewardCheck(HACKABLE, new MathReward()).groupwise());
    }

    private static double pearson(double[] x, double[] y) {
        double mx = 0;
        double my = 0;
        for (int i = 0; i < x.length; i++) {
            mx += x[i] / x.length;
            my += y[i] / y.length;
        }
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }
}
