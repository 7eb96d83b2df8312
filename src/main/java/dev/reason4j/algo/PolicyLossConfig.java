package dev.reason4j.algo;

/**
 * Parameters of the policy losses (verl {@code actor_rollout_ref.actor.*}; config keys {@code actor.*}).
 *
 * @param clipRatioLow    lower ε, ratio floor 1 − ε ({@code clip_ratio_low})
 * @param clipRatioHigh   upper ε, ratio ceiling 1 + ε ({@code clip_ratio_high}; DAPO clip-higher uses 0.28)
 * @param clipRatioC      dual-clip bound for negative advantages ({@code clip_ratio_c}, Ye et al. 2020,
 *                        arXiv:1912.09729); must exceed 1
 * @param lossAggMode     aggregation ({@code loss_agg_mode}); GSPO and SAPO always use seq-mean-token-mean, as verl
 * @param lossScaleFactor constant divisor of seq-mean-token-sum-norm ({@code loss_scale_factor}); null means the
 *                        response length
 * @param tauPos          SAPO gate temperature for positive advantages ({@code tau_pos})
 * @param tauNeg          SAPO gate temperature for non-positive advantages ({@code tau_neg})
 */
public record PolicyLossConfig(double clipRatioLow, double clipRatioHigh, double clipRatioC,
                               LossAggregation lossAggMode, Double lossScaleFactor, double tauPos, double tauNeg) {
    /** verl's actor defaults: ε = 0.2 both sides, dual-clip c = 3, token-mean, SAPO τ+ = 1, τ− = 1.05. */
    public static final PolicyLossConfig DEFAULT =
            new PolicyLossConfig(0.2, 0.2, 3.0, LossAggregation.TOKEN_MEAN, null, 1.0, 1.05);

    public PolicyLossConfig {
        if (lossAggMode == null) {
            throw new IllegalArgumentException("lossAggMode is missing");
        }
    }

    /** Separate bounds, e.g. DAPO's clip-higher {@code withClipRange(0.2, 0.28)}. */
    public PolicyLossConfig withClipRange(double low, double high) {
        return new PolicyLossConfig(low, high, clipRatioC, lossAggMode, lossScaleFactor, tauPos, tauNeg);
    }

    public PolicyLossConfig withClipRatioC(double newClipRatioC) {
        return new PolicyLossConfig(clipRatioLow, clipRatioHigh, newClipRatioC, lossAggMode, lossScaleFactor, tauPos,
                tauNeg);
    }

    public PolicyLossConfig withLossAggMode(LossAggregation newMode) {
        return new PolicyLossConfig(clipRatioLow, clipRatioHigh, clipRatioC, newMode, lossScaleFactor, tauPos, tauNeg);
    }

    public PolicyLossConfig withLossScaleFactor(Double newLossScaleFactor) {
        return new PolicyLossConfig(clipRatioLow, clipRatioHigh, clipRatioC, lossAggMode, newLossScaleFactor, tauPos,
                tauNeg);
    }

    public PolicyLossConfig withTaus(double newTauPos, double newTauNeg) {
        return new PolicyLossConfig(clipRatioLow, clipRatioHigh, clipRatioC, lossAggMode, lossScaleFactor, newTauPos,
                newTauNeg);
    }
}
