package dev.reason4j.algo;

/**
 * A per-token estimate of KL(π_θ ‖ π_ref) from the sampled token's log-probs (Schulman, "Approximating KL
 * divergence", 2020), and its derivative w.r.t. log π_θ. Registered in {@link KlEstimators}.
 */
public interface KlEstimator {
    double value(double logProb, double refLogProb);

    /** d value / d logProb. */
    double gradLogProb(double logProb, double refLogProb);

    /** An estimator from two formulas. */
    static KlEstimator of(java.util.function.DoubleBinaryOperator value,
                          java.util.function.DoubleBinaryOperator gradLogProb) {
        return new KlEstimator() {
            @Override
            public double value(double logProb, double refLogProb) {
                return value.applyAsDouble(logProb, refLogProb);
            }

            @Override
            public double gradLogProb(double logProb, double refLogProb) {
                return gradLogProb.applyAsDouble(logProb, refLogProb);
            }
        };
    }
}
