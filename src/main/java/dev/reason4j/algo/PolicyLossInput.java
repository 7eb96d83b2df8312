package dev.reason4j.algo;

/**
 * What a policy loss reads, all {@code [batch][responseLength]}.
 *
 * @param oldLogProbs  log π_old of each response token (from rollout time; fixed)
 * @param logProbs     log π_θ of each token under the current policy (the loss is differentiated w.r.t. these)
 * @param advantages   per-token advantages
 * @param responseMask 1 for tokens the loss trains on
 * @param config       clip ranges, aggregation, SAPO temperatures
 */
public record PolicyLossInput(double[][] oldLogProbs, double[][] logProbs, double[][] advantages,
                              double[][] responseMask, PolicyLossConfig config) {
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
}
