package dev.reason4j.algo;

/**
 * A policy-gradient surrogate loss with its analytic gradient w.r.t. the current log-probs.
 * Registered in {@link PolicyLosses}.
 */
@FunctionalInterface
public interface PolicyLoss {
    PolicyLossResult compute(PolicyLossInput input);
}
