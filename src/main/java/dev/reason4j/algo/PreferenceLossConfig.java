package dev.reason4j.algo;

/**
 * Parameters of the preference losses, by TRL's names (config keys {@code dpo.*}).
 *
 * @param beta           β: the inverse temperature of the implicit reward (DPO, cDPO), the regularisation of IPO
 *                       (target margin 1/(2β)), SimPO's reward scale
 * @param labelSmoothing ε ∈ [0, 0.5): the assumed probability that a pair's label is flipped (cDPO; also applied
 *                       to SimPO, as TRL's CPO trainer does); 0 = plain DPO
 * @param simpoGamma     γ: SimPO's target reward margin
 */
public record PreferenceLossConfig(double beta, double labelSmoothing, double simpoGamma) {
    public PreferenceLossConfig {
        if (!(beta > 0) || Double.isInfinite(beta)) {
            throw new IllegalArgumentException("preference loss beta must be a positive number, got " + beta);
        }
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5)) {
            throw new IllegalArgumentException("label_smoothing must be in [0, 0.5), got " + labelSmoothing);
        }
    }
}
