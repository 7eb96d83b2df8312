package dev.reason4j.algo;

import dev.reason4j.config.Registry;
import java.util.SortedSet;

/**
 * The policy losses by verl's names ({@code actor.policy_loss.loss_mode}), each with its exact gradient
 * d loss / d logProbs derived by hand (checked against verl's autograd and central differences in the tests).
 * Add one with {@link #register}; {@link #perToken} builds a loss from a per-token formula.
 *
 * <p>Everything is computed on masked-in tokens only; ratios use log π_θ − log π_old clamped to [−20, 20] as verl
 * does (the clamp also stops the gradient outside that range). Where verl takes {@code max}/{@code min} of two
 * branches that tie, the gradient is shared equally between them, as torch's does. Rollout IS weights
 * ({@link PolicyLossInput#rolloutIsWeights()}) multiply every built-in's per-token losses before aggregation; a loss
 * registered with its own aggregation must apply them itself.
 */
public final class PolicyLosses {
    /** verl clamps log-ratios to ±20 before {@code exp}. */
    static final double LOG_RATIO_LIMIT = 20.0;
    /** GSPO clamps the sequence log-ratio from above at 10. */
    static final double GSPO_LOG_RATIO_MAX = 10.0;

    private static final Registry<PolicyLoss> REGISTRY = new Registry<>("policy loss");

    static {
        register("vanilla", PolicyLosses::vanilla);
        register("gspo", PolicyLosses::gspo);
        register("cispo", PolicyLosses::cispo);
        register("sapo", PolicyLosses::sapo);
    }

    private PolicyLosses() {
    }

    /** The loss registered as {@code name}; the error suggests the nearest and lists the registered names. */
    public static PolicyLoss get(String name) {
        return REGISTRY.get(name);
    }

    /** Registers a loss under a new {@code name} (a name already taken is refused, as in verl). */
    public static void register(String name, PolicyLoss loss) {
        REGISTRY.register(name, loss);
    }

    /** Removes a registered name (a test's own entry, when it is done). */
    public static void unregister(String name) {
        REGISTRY.unregister(name);
    }

    /** Registered names, sorted. */
    public static SortedSet<String> names() {
        return REGISTRY.names();
    }

    /** One token's loss and its derivative w.r.t. that token's log-prob. */
    public record TokenLoss(double loss, double gradLogProb) {
    }

    /** A loss that is a function of one token's (log π_old, log π_θ, advantage). */
    @FunctionalInterface
    public interface TokenLossFunction {
        TokenLoss apply(double oldLogProb, double logProb, double advantage);
    }

    /**
     * A loss from a per-token formula, aggregated with the configured mode; {@code ppo_kl} is reported, the clip
     * fractions are 0. E.g. plain REINFORCE: {@code perToken(in, (old, lp, a) -> new TokenLoss(-a * lp, -a))}.
     */
    public static PolicyLossResult perToken(PolicyLossInput in, TokenLossFunction function) {
        double[][] mask = in.responseMask();
        double[][] losses = Masked.zerosLike(mask);
        double[][] grads = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0) {
                    TokenLoss token = function.apply(in.oldLogProbs()[b][t], in.logProbs()[b][t], in.advantages()[b][t]);
                    losses[b][t] = token.loss();
                    grads[b][t] = token.gradLogProb();
                }
            }
        }
        return aggregate(in, in.config().lossAggMode(), losses, grads, 0, ppoKl(in, true), 0);
    }

    /**
     * PPO clipped surrogate (Schulman et al. 2017, arXiv:1707.06347) with separate lower/upper ranges (DAPO
     * clip-higher, arXiv:2503.14476) and dual-clip for negative advantages (arXiv:1912.09729):
     * L = max(−A·r, −A·clip(r, 1−ε_low, 1+ε_high)), and for A &lt; 0 additionally min(L, −A·c).
     */
    public static PolicyLossResult vanilla(PolicyLossInput in) {
        PolicyLossConfig config = in.config();
        if (!(config.clipRatioC() > 1.0)) {
            throw new IllegalArgumentException(
                    "clip_ratio_c (dual-clip bound) must be greater than 1, got " + config.clipRatioC());
        }
        double low = 1 - config.clipRatioLow();
        double high = 1 + config.clipRatioHigh();
        double[][] mask = in.responseMask();
        double[][] losses = Masked.zerosLike(mask);
        double[][] grads = Masked.zerosLike(mask);
        double[][] clipped = Masked.zerosLike(mask);
        double[][] dualClipped = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                double advantage = in.advantages()[b][t];
                double logRatio = in.logProbs()[b][t] - in.oldLogProbs()[b][t];
                double ratio = Math.exp(clamp(logRatio, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT));
                double ratioGrad = Math.abs(logRatio) <= LOG_RATIO_LIMIT ? ratio : 0;

                double unclippedLoss = -advantage * ratio;
                double unclippedGrad = -advantage * ratioGrad;
                double clippedLoss = -advantage * clamp(ratio, low, high);
                double clippedGrad = ratio >= low && ratio <= high ? -advantage * ratioGrad : 0;
                double loss = Math.max(unclippedLoss, clippedLoss);
                double grad = maxGrad(unclippedLoss, unclippedGrad, clippedLoss, clippedGrad);
                clipped[b][t] = clippedLoss > unclippedLoss ? 1 : 0;
                if (advantage < 0) {
                    double dualClipLoss = -advantage * config.clipRatioC();
                    dualClipped[b][t] = loss > dualClipLoss ? 1 : 0;
                    grad = minGrad(dualClipLoss, 0, loss, grad);
                    loss = Math.min(dualClipLoss, loss);
                }
                losses[b][t] = loss;
                grads[b][t] = grad;
            }
        }
        return aggregate(in, config.lossAggMode(), losses, grads, Masked.mean(clipped, mask), ppoKl(in, true),
                Masked.mean(dualClipped, mask));
    }

    /**
     * GSPO (Zheng et al. 2025, arXiv:2507.18071): one importance ratio per sequence, s_i = exp(mean_t log r_{i,t}),
     * clipped PPO-style. Token-level form s_{i,t} = sg[s_i]·π_θ(y_t)/sg[π_θ(y_t)]: the value is s_i, and
     * d s_{i,t} / d log π_θ(y_t) = s_i. Always aggregated seq-mean-token-mean, as in verl.
     */
    public static PolicyLossResult gspo(PolicyLossInput in) {
        PolicyLossConfig config = in.config();
        double low = 1 - config.clipRatioLow();
        double high = 1 + config.clipRatioHigh();
        double[][] mask = in.responseMask();
        double[][] losses = Masked.zerosLike(mask);
        double[][] grads = Masked.zerosLike(mask);
        double[][] clipped = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            double logRatioSum = 0;
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0) {
                    logRatioSum += (in.logProbs()[b][t] - in.oldLogProbs()[b][t]) * mask[b][t];
                }
            }
            double sequenceLogRatio = logRatioSum / Math.max(Masked.rowCount(mask[b]), 1);
            double ratio = Math.exp(Math.min(sequenceLogRatio, GSPO_LOG_RATIO_MAX));
            double ratioGrad = sequenceLogRatio <= GSPO_LOG_RATIO_MAX ? ratio : 0;
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                double advantage = in.advantages()[b][t];
                double unclippedLoss = -advantage * ratio;
                double clippedLoss = -advantage * clamp(ratio, low, high);
                double clippedGrad = ratio >= low && ratio <= high ? -advantage * ratioGrad : 0;
                losses[b][t] = Math.max(unclippedLoss, clippedLoss);
                grads[b][t] = maxGrad(unclippedLoss, -advantage * ratioGrad, clippedLoss, clippedGrad);
                clipped[b][t] = clippedLoss > unclippedLoss ? 1 : 0;
            }
        }
        return aggregate(in, LossAggregation.SEQ_MEAN_TOKEN_MEAN, losses, grads, Masked.mean(clipped, mask),
                ppoKl(in, false), 0);
    }

    /**
     * CISPO (MiniMax-M1, arXiv:2506.13585): REINFORCE weighted by the clipped, gradient-detached importance ratio,
     * L = −sg[clip(r, 1−ε_low, 1+ε_high)]·A·log π_θ, so d L / d log π_θ = −clip(r)·A and clipped tokens still learn.
     */
    public static PolicyLossResult cispo(PolicyLossInput in) {
        PolicyLossConfig config = in.config();
        double low = 1 - config.clipRatioLow();
        double high = 1 + config.clipRatioHigh();
        double[][] mask = in.responseMask();
        double[][] losses = Masked.zerosLike(mask);
        double[][] grads = Masked.zerosLike(mask);
        double[][] clipped = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                double advantage = in.advantages()[b][t];
                double logProb = in.logProbs()[b][t];
                double ratio = Math.exp(clamp(logProb - in.oldLogProbs()[b][t], -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT));
                double clippedRatio = clamp(ratio, low, high);
                losses[b][t] = -clippedRatio * advantage * logProb;
                grads[b][t] = -clippedRatio * advantage;
                clipped[b][t] = ratio != clippedRatio ? 1 : 0;
            }
        }
        return aggregate(in, config.lossAggMode(), losses, grads, Masked.mean(clipped, mask), ppoKl(in, true), 0);
    }

    /**
     * SAPO (Gao et al. 2025, arXiv:2511.20347): a smooth gate instead of a hard clip,
     * L = −A·f(r), f(r) = σ(τ(r − 1))·4/τ with τ = τ_pos for A &gt; 0 else τ_neg; f'(r) = 4σ(1 − σ).
     * Always aggregated seq-mean-token-mean, as in verl; reports no clip fractions.
     */
    public static PolicyLossResult sapo(PolicyLossInput in) {
        PolicyLossConfig config = in.config();
        double[][] mask = in.responseMask();
        double[][] losses = Masked.zerosLike(mask);
        double[][] grads = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] == 0) {
                    continue;
                }
                double advantage = in.advantages()[b][t];
                double logRatio = in.logProbs()[b][t] - in.oldLogProbs()[b][t];
                double ratio = Math.exp(clamp(logRatio, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT));
                double ratioGrad = Math.abs(logRatio) <= LOG_RATIO_LIMIT ? ratio : 0;
                double tau = advantage > 0 ? config.tauPos() : config.tauNeg();
                double sigmoid = 1.0 / (1.0 + Math.exp(-tau * (ratio - 1.0)));
                losses[b][t] = -(sigmoid * (4.0 / tau)) * advantage;
                grads[b][t] = -advantage * 4.0 * sigmoid * (1.0 - sigmoid) * ratioGrad;
            }
        }
        return aggregate(in, LossAggregation.SEQ_MEAN_TOKEN_MEAN, losses, grads, 0, ppoKl(in, true), 0);
    }

    /**
     * Aggregates per-token losses and chains their derivatives through the aggregation weights. Rollout IS weights,
     * when given, multiply each token's loss first (verl's {@code pg_losses * rollout_is_weights}); being constants,
     * they scale its gradient alike.
     */
    private static PolicyLossResult aggregate(PolicyLossInput in, LossAggregation mode, double[][] losses,
                                              double[][] tokenGrads, double clipfrac, double ppoKl,
                                              double clipfracLower) {
        double[][] mask = in.responseMask();
        double[][] isWeights = in.rolloutIsWeights();
        if (isWeights != null) {
            for (int b = 0; b < mask.length; b++) {
                for (int t = 0; t < mask[b].length; t++) {
                    if (mask[b][t] != 0) {
                        losses[b][t] *= isWeights[b][t];
                        tokenGrads[b][t] *= isWeights[b][t];
                    }
                }
            }
        }
        Double scale = in.config().lossScaleFactor();
        double loss = mode.aggregate(losses, mask, scale, in.globalBatch());
        double[][] grads = mode.weights(mask, scale, in.globalBatch());
        for (int b = 0; b < grads.length; b++) {
            for (int t = 0; t < grads[b].length; t++) {
                grads[b][t] = grads[b][t] == 0 ? 0 : grads[b][t] * tokenGrads[b][t];
            }
        }
        return new PolicyLossResult(loss, grads, clipfrac, ppoKl, clipfracLower);
    }

    /** verl's {@code ppo_kl}: masked mean of log π_old − log π_θ (the log-ratio clamped to ±20 where verl does). */
    private static double ppoKl(PolicyLossInput in, boolean clamped) {
        double[][] mask = in.responseMask();
        double[][] negativeLogRatio = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0) {
                    double logRatio = in.logProbs()[b][t] - in.oldLogProbs()[b][t];
                    negativeLogRatio[b][t] =
                            -(clamped ? clamp(logRatio, -LOG_RATIO_LIMIT, LOG_RATIO_LIMIT) : logRatio);
                }
            }
        }
        return Masked.mean(negativeLogRatio, mask);
    }

    static double clamp(double value, double min, double max) {
        return Math.max(min, Math.min(max, value));
    }

    /** Gradient of max(a, b): the larger branch's, shared equally on a tie (torch.maximum). */
    static double maxGrad(double a, double gradA, double b, double gradB) {
        return a > b ? gradA : a < b ? gradB : 0.5 * (gradA + gradB);
    }

    /** Gradient of min(a, b): the smaller branch's, shared equally on a tie (torch.minimum). */
    static double minGrad(double a, double gradA, double b, double gradB) {
        return a < b ? gradA : a > b ? gradB : 0.5 * (gradA + gradB);
    }
}
