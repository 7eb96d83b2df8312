package dev.reason4j.algo;

/**
 * What a policy loss reads, all {@code [batch][responseLength]}.
 *
 * @param oldLogProbs  log π_old of each response token (from rollout time; fixed)
 * @param logProbs     log π_θ of each token under the current policy (the loss is differentiated w.r.t. these)
 * @param advantages   per-token advantages
 * @param responseMask 1 for tokens the loss trains on
 * @param config       clip ranges, aggregation, SAPO temperatures
 * @param globalBatch  the mini-batch's counts when this is one micro-batch of it (gradient accumulation); null
 *                     when this is the whole batch
 * @param rolloutIsWeights rollout-correction IS weights ({@link RolloutCorrection#isWeights}), constants that
 *                     multiply each token's loss before aggregation, as verl's {@code pg_losses * rollout_is_weights};
 *                     null = none
 */
public record PolicyLossInput(double[][] oldLogProbs, double[][] logProbs, double[][] advantages,
                              double[][] responseMask, PolicyLossConfig config, GlobalBatch globalBatch,
                              double[][] rolloutIsWeights) {
    public PolicyLossInput {
        if (responseMask == null) {
            throw new IllegalArgumentException("responseMask is missing");
        }
        Masked.requireSameShape("oldLogProbs", oldLogProbs, responseMask);
        Masked.requireSameShape("logProbs", logProbs, responseMask);
        Masked.requireSameShape("advantages", advantages, responseMask);
        if (rolloutIsWeights != null) {
            Masked.requireSameShape("rolloutIsWeights", rolloutIsWeights, responseMask);
        }
        if (config == null) {
            config = PolicyLossConfig.DEFAULT;
        }
    }

    /** Without IS weights. */
    public PolicyLossInput(double[][] oldLogProbs, double[][] logProbs, double[][] advantages,
                           double[][] responseMask, PolicyLossConfig config, GlobalBatch globalBatch) {
        this(oldLogProbs, logProbs, advantages, responseMask, config, globalBatch, null);
    }

    /** A whole batch (no micro-batching), without IS weights. */
    public PolicyLossInput(double[][] oldLogProbs, double[][] logProbs, double[][] advantages,
                           double[][] responseMask, PolicyLossConfig config) {
        this(oldLogProbs, logProbs, advantages, responseMask, config, null, null);
    }
}
