package dev.reason4j.reward;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Makes reward hacking visible: scores with a learned reward (a reward model, a judge, majority vote,
 * self-certainty) and, beside it, checks each sample that has a ground truth with an independent verifier (the
 * data source's own), whose score goes into the result's metrics under {@link #SCORE} without touching the reward.
 * {@link #metrics} then sets the two side by side for a step, so a user sees them diverge: a policy that games the
 * learned reward raises it while the checked score stays or falls.
 */
public final class RewardCheck implements RewardFunction {
    /** Per-sample metric: the verifier's score of a checked sample. */
    public static final String SCORE = "reward_check";

    private final RewardFunction learned;
    private final RewardFunction verifier;

    /** @param verifier scores a sample that has a ground truth; one that throws leaves that sample unchecked */
    public RewardCheck(RewardFunction learned, RewardFunction verifier) {
        this.learned = learned;
        this.verifier = verifier;
    }

    @Override
    public RewardResult score(RewardInput input) {
        return scoreGroup(List.of(input)).getFirst();
    }

    @Override
    public List<RewardResult> scoreGroup(List<RewardInput> group) {
        List<RewardResult> scored = learned.scoreGroup(group);
        List<RewardResult> results = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            RewardResult result = scored.get(i);
            Double check = check(group.get(i));
            if (check != null) {
                Map<String, Double> metrics = new LinkedHashMap<>(result.metrics());
                metrics.put(SCORE, check);
                result = new RewardResult(result.reward(), metrics, result.error());
            }
            results.add(result);
        }
        return results;
    }

    @Override
    public boolean groupwise() {
        return learned.groupwise();
    }

    private Double check(RewardInput input) {
        if (input.groundTruth() == null) {
            return null;
        }
        try {
            return verifier.score(input).reward();
        } catch (RuntimeException e) {
            return null;   // no verifier for this data source, or it failed: this sample goes unchecked
        }
    }

    /**
     * A step's check metrics, over the samples that were checked: {@code reward_check/score} (mean verifier
     * score), {@code reward_check/coverage} (share of samples checked), {@code reward_check/agreement} (of the
     * pairs of responses to one prompt that the verifier tells apart, the share the learned reward orders the same
     * way, a tie counting half: what a group-relative advantage sees) and {@code reward_check/correlation} (Pearson,
     * learned reward against verifier score). Agreement and correlation are left out when undefined (no pair the
     * verifier tells apart; a constant reward or score). Empty when no sample was checked.
     *
     * @param groups each result's prompt group
     */
    public static Map<String, Double> metrics(List<RewardResult> results, int[] groups) {
        List<Integer> checked = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            if (results.get(i).metrics().containsKey(SCORE)) {
                checked.add(i);
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        if (checked.isEmpty()) {
            return metrics;
        }
        int n = checked.size();
        double[] learned = new double[n];
        double[] verified = new double[n];
        for (int k = 0; k < n; k++) {
            learned[k] = results.get(checked.get(k)).reward();
            verified[k] = results.get(checked.get(k)).metrics().get(SCORE);
        }
        metrics.put("reward_check/score", mean(verified));
        metrics.put("reward_check/coverage", (double) n / results.size());
        double agreeing = 0;
        int pairs = 0;
        for (int a = 0; a < n; a++) {
            for (int b = a + 1; b < n; b++) {
                if (groups[checked.get(a)] != groups[checked.get(b)] || verified[a] == verified[b]) {
                    continue;
                }
                pairs++;
                double learnedOrder = Math.signum(learned[a] - learned[b]);
                agreeing += learnedOrder == 0 ? 0.5 : learnedOrder == Math.signum(verified[a] - verified[b]) ? 1 : 0;
            }
        }
        if (pairs > 0) {
            metrics.put("reward_check/agreement", agreeing / pairs);
        }
        double learnedMean = mean(learned);
        double verifiedMean = mean(verified);
        double covariance = 0;
        double learnedSquares = 0;
        double verifiedSquares = 0;
        for (int k = 0; k < n; k++) {
            covariance += (learned[k] - learnedMean) * (verified[k] - verifiedMean);
            learnedSquares += (learned[k] - learnedMean) * (learned[k] - learnedMean);
            verifiedSquares += (verified[k] - verifiedMean) * (verified[k] - verifiedMean);
        }
        if (learnedSquares > 0 && verifiedSquares > 0) {
            metrics.put("reward_check/correlation", covariance / Math.sqrt(learnedSquares * verifiedSquares));
        }
        return metrics;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum / values.length;
    }
}
