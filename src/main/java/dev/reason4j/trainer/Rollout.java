package dev.reason4j.trainer;

import dev.reason4j.env.Example;
import dev.reason4j.reward.RewardResult;
import java.util.Arrays;
import java.util.Map;

/**
 * One scored response: the prompt it answers, the tokens after it with their log-probs at sampling time, which of
 * them the policy sampled, and its reward. A single-turn response is all sampled; a multi-turn episode also holds
 * the tokens inserted between turns (tool responses, observations), which are never trained on.
 *
 * @param group          responses to the same prompt share a group id (GRPO, RLOO, …)
 * @param logProbs       log π_rollout of each response token, returned by the sampler; 0 for inserted tokens.
 *                       Reason4j's engine gives the training forward's log-probs bit for bit, so when they are
 *                       exact and current they serve as π_old and no recomputation pass is needed
 * @param trainable      verl's response_mask: true for the tokens the policy sampled and is trained on
 * @param tokenRewards   the reward of each token (an outcome reward on the last one, step rewards on the last
 *                       token of each turn); they sum to {@code reward().reward()}
 * @param truncated      stopped by the length limit rather than an end-of-sequence token
 * @param contextLimited the model's max_position_embeddings cut its length limit below data.max_response_length
 * @param episodeMetrics what a multi-turn episode did (turns, tool calls, …); empty for a single turn
 * @param policyVersion  the policy's optimizer step count when it sampled this response ({@link #UNVERSIONED}:
 *                       not recorded, the trainer records the current one); older than the trainer's = stale
 * @param exactLogProbs  the log-probs are the training forward's own (Reason4j's engine); false for another
 *                       engine (vLLM, SGLang), whose kernels and precision differ
 */
public record Rollout(Example example, int group, int[] promptTokens, int[] responseTokens, float[] logProbs,
                      boolean[] trainable, double[] tokenRewards, boolean truncated, boolean contextLimited,
                      String responseText, RewardResult reward, Map<String, Double> episodeMetrics,
                      long policyVersion, boolean exactLogProbs) {
    /** A rollout whose sampler did not record the policy version. */
    public static final long UNVERSIONED = -1;

    public Rollout {
        if (logProbs.length != responseTokens.length || trainable.length != responseTokens.length
                || tokenRewards.length != responseTokens.length) {
            throw new IllegalArgumentException("a rollout's log-probs, mask and token rewards must have one entry "
                    + "per response token");
        }
        episodeMetrics = Map.copyOf(episodeMetrics);
    }

    /** A rollout of Reason4j's own engine (exact log-probs), its policy version not recorded. */
    public Rollout(Example example, int group, int[] promptTokens, int[] responseTokens, float[] logProbs,
                   boolean[] trainable, double[] tokenRewards, boolean truncated, boolean contextLimited,
                   String responseText, RewardResult reward, Map<String, Double> episodeMetrics) {
        this(example, group, promptTokens, responseTokens, logProbs, trainable, tokenRewards, truncated,
                contextLimited, responseText, reward, episodeMetrics, UNVERSIONED, true);
    }

    /** This rollout, sampled by the policy after {@code version} optimizer steps. */
    public Rollout withPolicyVersion(long version) {
        return new Rollout(example, group, promptTokens, responseTokens, logProbs, trainable, tokenRewards, truncated,
                contextLimited, responseText, reward, episodeMetrics, version, exactLogProbs);
    }

    /** This rollout with another engine's log-probs of the same tokens (not exact). */
    public Rollout withEngineLogProbs(float[] engineLogProbs) {
        return new Rollout(example, group, promptTokens, responseTokens, engineLogProbs, trainable, tokenRewards,
                truncated, contextLimited, responseText, reward, episodeMetrics, policyVersion, false);
    }

    /**
     * This rollout with its reward replaced by {@code reward} (normalised, clipped): the difference goes onto the
     * last sampled token, so the token rewards still sum to the reward and per-step rewards keep their shape.
     */
    public Rollout withReward(double reward) {
        double[] shifted = tokenRewards.clone();
        for (int t = shifted.length - 1; t >= 0; t--) {
            if (trainable[t]) {
                shifted[t] += reward - this.reward.reward();
                break;
            }
        }
        return new Rollout(example, group, promptTokens, responseTokens, logProbs, trainable, shifted, truncated,
                contextLimited, responseText, new RewardResult(reward, this.reward.metrics(), this.reward.error()),
                episodeMetrics, policyVersion, exactLogProbs);
    }

    /** A single-turn response: every token sampled, the reward on the last one. */
    public static Rollout singleTurn(Example example, int group, int[] promptTokens, int[] responseTokens,
                                     float[] logProbs, boolean truncated, boolean contextLimited,
                                     String responseText, RewardResult reward) {
        return singleTurn(example, group, promptTokens, responseTokens, logProbs, truncated, contextLimited,
                responseText, reward, new int[reward.steps().size()]);
    }

    /**
     * A single-turn response whose reward has dense steps: step i's reward on response token {@code stepTokens[i]},
     * the rest of the reward on the last token.
     */
    public static Rollout singleTurn(Example example, int group, int[] promptTokens, int[] responseTokens,
                                     float[] logProbs, boolean truncated, boolean contextLimited,
                                     String responseText, RewardResult reward, int[] stepTokens) {
        boolean[] trainable = new boolean[responseTokens.length];
        Arrays.fill(trainable, true);
        double[] tokenRewards = new double[responseTokens.length];
        if (responseTokens.length > 0) {
            double rest = reward.reward();
            for (int i = 0; i < stepTokens.length; i++) {
                double part = reward.steps().get(i).reward();
                tokenRewards[Math.max(0, stepTokens[i])] += part;
                rest -= part;
            }
            tokenRewards[responseTokens.length - 1] += rest;
        }
        return new Rollout(example, group, promptTokens, responseTokens, logProbs, trainable, tokenRewards,
                truncated, contextLimited, responseText, reward, Map.of());
    }

    /** Prompt and response as one sequence, as the training forward takes it. */
    public int[] sequence() {
        int[] sequence = new int[promptTokens.length + responseTokens.length];
        System.arraycopy(promptTokens, 0, sequence, 0, promptTokens.length);
        System.arraycopy(responseTokens, 0, sequence, promptTokens.length, responseTokens.length);
        return sequence;
    }
}
