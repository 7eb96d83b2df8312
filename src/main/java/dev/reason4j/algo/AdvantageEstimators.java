package dev.reason4j.algo;

import dev.reason4j.config.Registry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;

/**
 * The advantage estimators by verl's names ({@code algorithm.adv_estimator}), with verl's exact formulas
 * ({@code verl/trainer/ppo/core_algos.py}). Add one with {@link #register}.
 *
 * <p>The outcome estimators score a response by the sum of its token-level rewards (masked or not, as verl does)
 * and spread the advantage over its response tokens.
 */
public final class AdvantageEstimators {
    private static final Registry<AdvantageEstimator> REGISTRY = new Registry<>("advantage estimator");

    static {
        register("gae", AdvantageEstimator.needingValues(AdvantageEstimators::gae));
        register("grpo", AdvantageEstimators::grpo);
        register("rloo", AdvantageEstimators::rloo);
        register("opo", AdvantageEstimators::opo);
        register("reinforce_plus_plus", AdvantageEstimators::reinforcePlusPlus);
        register("reinforce_plus_plus_baseline", AdvantageEstimators::reinforcePlusPlusBaseline);
        register("remax", AdvantageEstimator.needingGreedyBaseline(AdvantageEstimators::remax));
    }

    private AdvantageEstimators() {
    }

    /** The estimator registered as {@code name}; the error suggests the nearest and lists the registered names. */
    public static AdvantageEstimator get(String name) {
        return REGISTRY.get(name);
    }

    /** Registers an estimator under a new {@code name} (a name already taken is refused, as in verl). */
    public static void register(String name, AdvantageEstimator estimator) {
        REGISTRY.register(name, estimator);
    }

    /** Removes a registered name (a test's own entry, when it is done). */
    public static void unregister(String name) {
        REGISTRY.unregister(name);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return REGISTRY.names();
    }

    /**
     * Generalized Advantage Estimation (Schulman et al. 2016, arXiv:1506.02438):
     * δ_t = r_t + γ·V_{t+1} − V_t, A_t = δ_t + γλ·A_{t+1}, computed backwards. Masked-out tokens (tool observations)
     * are skipped: they carry the next value and advantage through unchanged. Returns = A + V; advantages are then
     * whitened over the batch.
     */
    public static Advantages gae(AdvantageInput in) {
        double[][] rewards = in.tokenLevelRewards();
        double[][] mask = in.responseMask();
        double[][] values = in.values();
        if (values == null) {
            throw new IllegalArgumentException("advantage estimator 'gae' needs values (a critic)");
        }
        double gamma = in.config().gamma();
        double lambda = in.config().lambda();
        double[][] advantages = Masked.zerosLike(rewards);
        double[][] returns = Masked.zerosLike(rewards);
        for (int b = 0; b < rewards.length; b++) {
            double nextValue = 0;
            double lastAdvantage = 0;
            for (int t = rewards[b].length - 1; t >= 0; t--) {
                double delta = rewards[b][t] + gamma * nextValue - values[b][t];
                double advantage = delta + gamma * lambda * lastAdvantage;
                double m = mask[b][t];
                nextValue = values[b][t] * m + (1 - m) * nextValue;
                lastAdvantage = advantage * m + (1 - m) * lastAdvantage;
                advantages[b][t] = lastAdvantage;
                returns[b][t] = lastAdvantage + values[b][t];
            }
        }
        return new Advantages(Masked.whiten(advantages, mask), returns);
    }

    /**
     * GRPO (Shao et al. 2024, arXiv:2402.03300): A_i = (s_i − mean_g) / (std_g + ε) with the unbiased std of the
     * response's group; without std normalisation it is Dr.GRPO's A_i = s_i − mean_g. A group of one has mean 0 and
     * std 1; a group with identical scores gets 0.
     */
    public static Advantages grpo(AdvantageInput in) {
        double[] scores = scores(in.tokenLevelRewards());
        double epsilon = in.config().epsilon();
        boolean normalise = in.config().normAdvByStd();
        double[] normalised = new double[scores.length];
        for (List<Integer> group : groups(in.requireGroupIds("grpo"))) {
            double mean = 0;
            double std = 1;
            if (group.size() > 1) {
                mean = mean(scores, group);
                double squares = 0;
                for (int row : group) {
                    squares += (scores[row] - mean) * (scores[row] - mean);
                }
                std = Math.sqrt(squares / (group.size() - 1));
            }
            for (int row : group) {
                normalised[row] = normalise ? (scores[row] - mean) / (std + epsilon) : scores[row] - mean;
            }
        }
        double[][] advantages = spread(normalised, in.responseMask());
        return new Advantages(advantages, advantages);
    }

    /**
     * RLOO (Ahmadian et al. 2024, arXiv:2402.14740): the baseline is the mean of the other responses of the group,
     * A_i = s_i − mean_{j≠i} s_j = n/(n−1)·(s_i − mean_g). A group of one keeps its raw score.
     */
    public static Advantages rloo(AdvantageInput in) {
        double[] scores = scores(in.tokenLevelRewards());
        double[] baselined = scores.clone();
        for (List<Integer> group : groups(in.requireGroupIds("rloo"))) {
            int n = group.size();
            if (n > 1) {
                double mean = mean(scores, group);
                for (int row : group) {
                    baselined[row] = scores[row] * n / (n - 1) - mean * n / (n - 1);
                }
            }
        }
        double[][] advantages = spread(baselined, in.responseMask());
        return new Advantages(advantages, advantages);
    }

    /**
     * OPO (Hao et al. 2025, arXiv:2505.23585): the optimal baseline for on-policy updates is the length-weighted
     * mean score of the group, b = Σ l_j·s_j / Σ l_j with l_j the response length. A group of one has b = 0.
     */
    public static Advantages opo(AdvantageInput in) {
        double[] scores = scores(in.tokenLevelRewards());
        double[][] mask = in.responseMask();
        double[] baselined = new double[scores.length];
        for (List<Integer> group : groups(in.requireGroupIds("opo"))) {
            double baseline = 0;
            if (group.size() > 1) {
                double weighted = 0;
                double lengths = 0;
                for (int row : group) {
                    double length = Masked.rowCount(mask[row]);
                    weighted += length * scores[row];
                    lengths += length;
                }
                baseline = lengths == 0 ? 0 : weighted / lengths;
            }
            for (int row : group) {
                baselined[row] = scores[row] - baseline;
            }
        }
        double[][] advantages = spread(baselined, mask);
        return new Advantages(advantages, advantages);
    }

    /**
     * REINFORCE++ (Hu 2025, arXiv:2501.03262): discounted return-to-go G_t = r_t + γ·G_{t+1}, restarted after the
     * last response token, whitened over the batch (masked-out tokens get 0).
     */
    public static Advantages reinforcePlusPlus(AdvantageInput in) {
        double[][] rewards = in.tokenLevelRewards();
        double[][] mask = in.responseMask();
        double gamma = in.config().gamma();
        double[][] returns = Masked.zerosLike(rewards);
        for (int b = 0; b < rewards.length; b++) {
            double running = 0;
            for (int t = rewards[b].length - 1; t >= 0; t--) {
                running = rewards[b][t] + gamma * running;
                returns[b][t] = running;
                running = running * mask[b][t];
            }
        }
        return new Advantages(Masked.product(Masked.whiten(returns, mask), mask), returns);
    }

    /**
     * REINFORCE++-baseline (arXiv:2501.03262): subtract the group mean score (a group of one keeps its score), put it
     * on every response token, then whiten over the batch.
     */
    public static Advantages reinforcePlusPlusBaseline(AdvantageInput in) {
        double[] scores = scores(in.tokenLevelRewards());
        double[] centred = new double[scores.length];
        for (List<Integer> group : groups(in.requireGroupIds("reinforce_plus_plus_baseline"))) {
            double mean = group.size() > 1 ? mean(scores, group) : 0;
            for (int row : group) {
                centred[row] = scores[row] - mean;
            }
        }
        double[][] mask = in.responseMask();
        double[][] advantages = Masked.product(Masked.whiten(spread(centred, mask), mask), mask);
        return new Advantages(advantages, advantages);
    }

    /**
     * ReMax (Li et al. 2023, arXiv:2310.10505): return-to-go of the masked rewards minus the reward of the greedy
     * response to the same prompt.
     */
    public static Advantages remax(AdvantageInput in) {
        double[] baselines = in.rewardBaselines();
        if (baselines == null) {
            throw new IllegalArgumentException("advantage estimator 'remax' needs rewardBaselines (greedy rewards)");
        }
        double[][] rewards = in.tokenLevelRewards();
        double[][] mask = in.responseMask();
        double[][] returns = Masked.zerosLike(rewards);
        double[][] advantages = Masked.zerosLike(rewards);
        for (int b = 0; b < rewards.length; b++) {
            double toGo = 0;
            for (int t = rewards[b].length - 1; t >= 0; t--) {
                toGo += rewards[b][t] * mask[b][t];
                returns[b][t] = toGo;
                advantages[b][t] = toGo - baselines[b] * mask[b][t];
            }
        }
        return new Advantages(advantages, returns);
    }

    /** Per-response score: the sum of its token-level rewards. */
    static double[] scores(double[][] tokenLevelRewards) {
        double[] scores = new double[tokenLevelRewards.length];
        for (int b = 0; b < tokenLevelRewards.length; b++) {
            double sum = 0;
            for (double reward : tokenLevelRewards[b]) {
                sum += reward;
            }
            scores[b] = sum;
        }
        return scores;
    }

    /** Rows of each group, groups in order of first appearance. */
    static List<List<Integer>> groups(int[] groupIds) {
        Map<Integer, List<Integer>> rowsById = new LinkedHashMap<>();
        for (int row = 0; row < groupIds.length; row++) {
            rowsById.computeIfAbsent(groupIds[row], id -> new ArrayList<>()).add(row);
        }
        return new ArrayList<>(rowsById.values());
    }

    private static double mean(double[] scores, List<Integer> rows) {
        double sum = 0;
        for (int row : rows) {
            sum += scores[row];
        }
        return sum / rows.size();
    }

    /** A per-response scalar on every token of the response: scalar[b]·mask[b][t]. */
    private static double[][] spread(double[] perResponse, double[][] mask) {
        double[][] spread = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                spread[b][t] = perResponse[b] * mask[b][t];
            }
        }
        return spread;
    }
}
