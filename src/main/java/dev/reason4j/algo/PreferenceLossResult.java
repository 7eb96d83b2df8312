package dev.reason4j.algo;

/**
 * One pair's loss, its gradient, and the implicit rewards TRL reports ({@code rewards/chosen},
 * {@code rewards/rejected}; their difference is {@code rewards/margins}, its sign {@code rewards/accuracies}).
 *
 * @param gradChosen     d loss / d {@link PreferenceLossInput#policyChosen()}
 * @param gradRejected   d loss / d {@link PreferenceLossInput#policyRejected()}
 * @param chosenReward   the loss's reward of the chosen response (DPO: β·(log π_θ − log π_ref))
 * @param rejectedReward the same for the rejected response
 */
public record PreferenceLossResult(double loss, double gradChosen, double gradRejected, double chosenReward,
                                   double rejectedReward) {
}
