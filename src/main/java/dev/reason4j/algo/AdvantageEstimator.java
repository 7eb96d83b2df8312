package dev.reason4j.algo;

/** Turns rewards (and values, groups, baselines) into per-token advantages. Registered in {@link AdvantageEstimators}. */
@FunctionalInterface
public interface AdvantageEstimator {
    Advantages compute(AdvantageInput input);
}
