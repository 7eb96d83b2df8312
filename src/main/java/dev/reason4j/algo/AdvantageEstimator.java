package dev.reason4j.algo;

/**
 * Turns rewards (and values, groups, baselines) into per-token advantages. Registered in {@link AdvantageEstimators}.
 * An estimator says what it reads beyond rewards, mask and groups, and the trainer provides exactly that: a critic
 * for {@link #needsValues}, greedy responses for {@link #needsGreedyBaseline}.
 */
@FunctionalInterface
public interface AdvantageEstimator {
    Advantages compute(AdvantageInput input);

    /** True when {@link #compute} reads {@link AdvantageInput#values}: the trainer then trains a critic. */
    default boolean needsValues() {
        return false;
    }

    /**
     * True when {@link #compute} reads {@link AdvantageInput#rewardBaselines}: the reward of a greedy response to each
     * row's prompt (ReMax), which the trainer then samples every step.
     */
    default boolean needsGreedyBaseline() {
        return false;
    }

    /** {@code estimator}, declared to need a critic's values (as GAE). */
    static AdvantageEstimator needingValues(AdvantageEstimator estimator) {
        return new Declared(estimator, true, false);
    }

    /** {@code estimator}, declared to need the greedy responses' rewards (as ReMax). */
    static AdvantageEstimator needingGreedyBaseline(AdvantageEstimator estimator) {
        return new Declared(estimator, false, true);
    }

    /** A formula with its needs stated. */
    record Declared(AdvantageEstimator formula, boolean needsValues, boolean needsGreedyBaseline)
            implements AdvantageEstimator {
        @Override
        public Advantages compute(AdvantageInput input) {
            return formula.compute(input);
        }
    }
}
