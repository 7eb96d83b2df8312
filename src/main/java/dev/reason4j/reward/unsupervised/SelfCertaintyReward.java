package dev.reason4j.reward.unsupervised;

import dev.reason4j.model.ForwardOptions;
import dev.reason4j.model.ForwardResult;
import dev.reason4j.reward.RewardFunction;
import dev.reason4j.reward.RewardInput;
import dev.reason4j.reward.RewardResult;
import java.util.List;

/**
 * Self-certainty (Kang et al. 2025, "Scalable Best-of-N Selection for Large Language Models via Self-Certainty",
 * eq. 4), the reward of INTUITOR (Zhao et al. 2025, "Learning to Reason without External Rewards"): the mean over
 * response tokens of KL(U ‖ p_θ(·|prefix)) = −log V − (1/V)·Σ_j log p_θ(j|prefix), with p_θ the policy that
 * sampled the response at temperature 1. It is 0 for a uniform next-token distribution and grows as the policy is
 * more certain; no ground truth is used.
 *
 * <p>It needs the rollout's token ids and policy ({@link RewardInput#sample}): a response known only as text is an
 * error (reported as {@code reward_error}, never a silent 0). An empty response scores 0.
 */
public final class SelfCertaintyReward implements RewardFunction {
    @Override
    public RewardResult score(RewardInput input) {
        RewardInput.Sample sample = input.sample();
        if (sample == null || sample.policy() == null) {
            throw new IllegalArgumentException("self_certainty needs the rollout's token ids and policy, which only"
                    + " the trainer's own rollouts carry (data source '" + input.dataSource() + "')");
        }
        int promptLength = sample.promptIds().length;
        int responseLength = sample.responseIds().length;
        if (responseLength == 0) {
            return RewardResult.of(0.0);
        }
        if (promptLength == 0) {
            throw new IllegalArgumentException("self_certainty needs a non-empty prompt");
        }
        int[] sequence = new int[promptLength + responseLength];
        System.arraycopy(sample.promptIds(), 0, sequence, 0, promptLength);
        System.arraycopy(sample.responseIds(), 0, sequence, promptLength, responseLength);
        ForwardResult forward = sample.policy().forward(List.of(sequence),
                ForwardOptions.inference().withLogProbs(false).withMeanLogProbs(true));
        float[] meanLogProbs = forward.meanLogProbs[0];
        double logVocab = Math.log(sample.policy().config().vocabSize());
        double sum = 0;
        // Response token k is predicted at position promptLength − 1 + k.
        for (int k = 0; k < responseLength; k++) {
            sum += -logVocab - meanLogProbs[promptLength - 1 + k];
        }
        return RewardResult.of(sum / responseLength);
    }
}
