package dev.reason4j.algo;

/**
 * An offline preference loss on one (chosen, rejected) pair, with its exact gradient w.r.t. the policy's summed
 * log-probs of the two responses. Registered in {@link PreferenceLosses}; a trainer averages it over a batch.
 */
@FunctionalInterface
public interface PreferenceLoss {
    PreferenceLossResult compute(PreferenceLossInput pair, PreferenceLossConfig config);

    /** Whether the loss reads the reference model's log-probs (a trainer computes them only then). */
    default boolean usesReference() {
        return true;
    }

    /** {@code loss} as a loss that needs no reference model (SimPO-like). */
    static PreferenceLoss referenceFree(PreferenceLoss loss) {
        return new PreferenceLoss() {
            @Override
            public PreferenceLossResult compute(PreferenceLossInput pair, PreferenceLossConfig config) {
                return loss.compute(pair, config);
            }

            @Override
            public boolean usesReference() {
                return false;
            }
        };
    }
}
