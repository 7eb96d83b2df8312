package dev.reason4j.algo;

/**
 * Parameters of the advantage estimators (verl {@code algorithm.*}).
 *
 * @param gamma          discount factor ({@code algorithm.gamma}); GAE and REINFORCE++
 * @param lambda         GAE λ ({@code algorithm.lam})
 * @param epsilon        added to the group std before dividing (GRPO), verl's default 1e-6
 * @param normAdvByStd   GRPO divides by the group std ({@code algorithm.norm_adv_by_std_in_grpo}); false is
 *                       Dr.GRPO (arXiv:2503.20783)
 */
public record AdvantageConfig(double gamma, double lambda, double epsilon, boolean normAdvByStd) {
    /** verl's defaults: γ = 1, λ = 1, ε = 1e-6, std-normalised GRPO. */
    public static final AdvantageConfig DEFAULT = new AdvantageConfig(1.0, 1.0, 1e-6, true);

    public AdvantageConfig withGamma(double newGamma) {
        return new AdvantageConfig(newGamma, lambda, epsilon, normAdvByStd);
    }

    public AdvantageConfig withLambda(double newLambda) {
        return new AdvantageConfig(gamma, newLambda, epsilon, normAdvByStd);
    }

    public AdvantageConfig withNormAdvByStd(boolean newNormAdvByStd) {
        return new AdvantageConfig(gamma, lambda, epsilon, newNormAdvByStd);
    }
}
