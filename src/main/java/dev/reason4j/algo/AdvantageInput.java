package dev.reason4j.algo;

/**
 * What an advantage estimator reads. Matrices are {@code [batch][responseLength]}.
 *
 * @param tokenLevelRewards rewards per response token; outcome rewards sit on the last token
 * @param responseMask      1 for a response token, 0 for padding and tool-observation tokens
 * @param groupIds          group of each response (responses to the same prompt share one); group estimators
 *                          (GRPO, RLOO, OPO, REINFORCE++-baseline) need it, others may pass null
 * @param values            critic values per token (GAE only), else null
 * @param rewardBaselines   reward of the greedy response per row (ReMax only), else null
 * @param config            γ, λ, ε and GRPO's std normalisation
 */
public record AdvantageInput(double[][] tokenLevelRewards, double[][] responseMask, int[] groupIds,
                             double[][] values, double[] rewardBaselines, AdvantageConfig config) {
    public AdvantageInput {
        if (responseMask == null) {
            throw new IllegalArgumentException("responseMask is missing");
        }
        Masked.requireSameShape("tokenLevelRewards", tokenLevelRewards, responseMask);
        if (values != null) {
            Masked.requireSameShape("values", values, responseMask);
        }
        if (groupIds != null && groupIds.length != responseMask.length) {
            throw new IllegalArgumentException(
                    "groupIds has " + groupIds.length + " entries but responseMask has " + responseMask.length + " rows");
        }
        if (rewardBaselines != null && rewardBaselines.length != responseMask.length) {
            throw new IllegalArgumentException("rewardBaselines has " + rewardBaselines.length
                    + " entries but responseMask has " + responseMask.length + " rows");
        }
        if (config == null) {
            config = AdvantageConfig.DEFAULT;
        }
    }

    /** Outcome-reward input for the group estimators. */
    public static AdvantageInput grouped(double[][] tokenLevelRewards, double[][] responseMask, int[] groupIds,
                                         AdvantageConfig config) {
        return new AdvantageInput(tokenLevelRewards, responseMask, groupIds, null, null, config);
    }

    /** {@code groupIds}, or a clear error naming the estimator that needs them. */
    int[] requireGroupIds(String estimator) {
        if (groupIds == null) {
            throw new IllegalArgumentException("advantage estimator '" + estimator + "' needs groupIds");
        }
        return groupIds;
    }
}
