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
 */
public record PolicyLossInput(double[][] oldLogProbs, double[][] logProbs, double[][] advantages,
                              double[][] responseMask, PolicyLossConfig config, GlobalBatch globalBatch) {
    public PolicyLossInput {
        if (responseMask == null) {
            throw new IllegalArgumentException("responseMask is missing");
        }
        Masked.requireSameShape("oldLogProbs", oldLogProbs, responseMask);
        Masked.requireSameShape("logProbs", logProbs, responseMask);
        Masked.requireSameShape("advantages", advantages, responseMask);
        if (config == null) {
            config = PolicyLossConfig.DEFAULT;
        }
    }

    /** A whole batch (no micro-batching). */
    public PolicyLossInput(double[][] oldLogProbs, double[][] logProbs, double[][] advantages,
                           double[][] responseMask, PolicyLossConfig config) {
        this(oldLogProbs, logProbs, advantages, responseMask, config, null);
    }
}
