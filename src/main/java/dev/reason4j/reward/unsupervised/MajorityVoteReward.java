package dev.reason4j.reward.unsupervised;

import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import dev.reason4j.reward.math.MathVerifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * TTRL's majority-vote reward (Zuo et al. 2025, "TTRL: Test-Time Reinforcement Learning", eq. 2–3): the answers
 * of the n responses to one prompt vote, the most frequent answer is the pseudo-label, and a response gets 1 when
 * its answer is equivalent to it, else 0. No ground truth is used.
 *
 * <p>Answers are extracted and compared as the math verifier does ({@link MathVerifier#answer},
 * {@link MathVerifier#equivalent}): each answer joins the first earlier answer it is equivalent to, in sample order.
 * A response without an answer never votes and gets 0. When two answers tie for the most votes, or no response
 * gives an answer, there is no pseudo-label and every response of the prompt gets 0 (a uniform group, which teaches
 * nothing, rather than an arbitrary label).
 *
 * <p>Metrics, on every response of a prompt: {@code ttrl/majority_share} (votes of the most frequent answer / n),
 * {@code ttrl/no_label} (1 for a tie or no answers), {@code ttrl/answer_found} (this response's own), and, only
 * when the sample has a ground truth, {@code ttrl/label_accuracy}: 1 when the pseudo-label is equivalent to it
 * (0 when there is no label), so a run shows how good its pseudo-labels are.
 */
public final class MajorityVoteReward implements RewardFunction {
    public static final String MAJORITY_SHARE = "ttrl/majority_share";
    public static final String NO_LABEL = "ttrl/no_label";
    public static final String ANSWER_FOUND = "ttrl/answer_found";
    public static final String LABEL_ACCURACY = "ttrl/label_accuracy";

    private final MathVerifier verifier;

    public MajorityVoteReward() {
        this(new MathVerifier());
    }

    public MajorityVoteReward(MathVerifier verifier) {
        this.verifier = verifier;
    }

    /** A single response is its own majority: 1 when it gives an answer (TTRL needs n > 1 to mean anything). */
    @Override
    public RewardResult score(RewardInput input) {
        return scoreGroup(List.of(input)).getFirst();
    }

    @Override
    public List<RewardResult> scoreGroup(List<RewardInput> group) {
        // Votes: each answer joins the first cluster whose first answer it is equivalent to.
        List<MathVerifier.Answer> answers = new ArrayList<>(group.size());
        List<MathVerifier.Answer> clusterAnswers = new ArrayList<>();
        List<Integer> clusterVotes = new ArrayList<>();
        int[] clusterOf = new int[group.size()];
        for (int i = 0; i < group.size(); i++) {
            MathVerifier.Answer answer = verifier.answer(group.get(i).response());
            answers.add(answer);
            clusterOf[i] = answer == null ? -1 : clusterFor(answer, clusterAnswers, clusterVotes);
        }
        int majority = -1;
        int topVotes = 0;
        boolean tie = false;
        for (int c = 0; c < clusterVotes.size(); c++) {
            if (clusterVotes.get(c) > topVotes) {
                majority = c;
                topVotes = clusterVotes.get(c);
                tie = false;
            } else if (clusterVotes.get(c) == topVotes) {
                tie = true;
            }
        }
        int label = tie ? -1 : majority;
        double share = (double) topVotes / group.size();
        List<RewardResult> results = new ArrayList<>(group.size());
        for (int i = 0; i < group.size(); i++) {
            RewardInput input = group.get(i);
            double reward = label >= 0 && clusterOf[i] == label ? 1.0 : 0.0;
            Map<String, Double> metrics = new TreeMap<>();
            metrics.put(MAJORITY_SHARE, share);
            metrics.put(NO_LABEL, label < 0 ? 1.0 : 0.0);
            metrics.put(ANSWER_FOUND, answers.get(i) == null ? 0.0 : 1.0);
            if (input.groundTruth() != null) {
                boolean correct = label >= 0
                        && verifier.equivalent(verifier.goldAnswer(input.groundTruth()), clusterAnswers.get(label));
                metrics.put(LABEL_ACCURACY, correct ? 1.0 : 0.0);
            }
            results.add(new RewardResult(reward, metrics));
        }
        return results;
    }

    @Override
    public boolean groupwise() {
        return true;
    }

    private int clusterFor(MathVerifier.Answer answer, List<MathVerifier.Answer> clusterAnswers,
                           List<Integer> clusterVotes) {
        for (int c = 0; c < clusterAnswers.size(); c++) {
            if (verifier.equivalent(clusterAnswers.get(c), answer)) {
                clusterVotes.set(c, clusterVotes.get(c) + 1);
                return c;
            }
        }
        clusterAnswers.add(answer);
        clusterVotes.add(1);
        return clusterAnswers.size() - 1;
    }
}
