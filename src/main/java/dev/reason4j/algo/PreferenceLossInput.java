package dev.reason4j.algo;

/**
 * One preference pair as the losses read it: summed log-probs of each response's tokens (given the prompt) under
 * the policy and under the frozen reference model, and each response's token count.
 *
 * @param policyChosen      Σ log π_θ(y_w | x)
 * @param policyRejected    Σ log π_θ(y_l | x)
 * @param referenceChosen   Σ log π_ref(y_w | x); NaN when the loss is reference-free
 * @param referenceRejected Σ log π_ref(y_l | x); NaN when the loss is reference-free
 * @param chosenTokens      |y_w| ≥ 1
 * @param rejectedTokens    |y_l| ≥ 1
 */
public record PreferenceLossInput(double policyChosen, double policyRejected, double referenceChosen,
                                  double referenceRejected, int chosenTokens, int rejectedTokens) {
    public PreferenceLossInput {
        if (chosenTokens < 1 || rejectedTokens < 1) {
            throw new IllegalArgumentException("a preference pair's responses need at least one token each, got "
                    + chosenTokens + " and " + rejectedTokens);
        }
    }
}
