package dev.reason4j.trainer;

import dev.reason4j.env.Example;
import dev.reason4j.reward.RewardResult;

/**
 * One scored response: the prompt it answers, the tokens the policy sampled with their log-probs at sampling
 * time, and its reward.
 *
 * @param group          responses to the same prompt share a group id (GRPO, RLOO, …)
 * @param logProbs       log π_old of each response token, returned by the sampler (equal to the training
 *                       forward's by construction, so no recomputation pass is needed)
 * @param truncated      stopped by the length limit rather than an end-of-sequence token
 * @param contextLimited the model's max_position_embeddings cut its length limit below data.max_response_length
 */
public record Rollout(Example example, int group, int[] promptTokens, int[] responseTokens, float[] logProbs,
                      boolean truncated, boolean contextLimited, String responseText, RewardResult reward) {

    /** Prompt and response as one sequence, as the training forward takes it. */
    public int[] sequence() {
        int[] sequence = new int[promptTokens.length + responseTokens.length];
        System.arraycopy(promptTokens, 0, sequence, 0, promptTokens.length);
        System.arraycopy(responseTokens, 0, sequence, promptTokens.length, responseTokens.length);
        return sequence;
    }
}
