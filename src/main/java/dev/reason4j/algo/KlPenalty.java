package dev.reason4j.algo;

/**
 * The KL to a frozen reference policy, used two ways (as verl): as a loss term added to the policy loss
 * ({@code actor.use_kl_loss}, GRPO style), or folded into the token-level rewards before advantages
 * ({@code algorithm.use_kl_in_reward}, PPO/RLHF style).
 */
public final class KlPenalty {
    private KlPenalty() {
    }

    /** Per-token KL and d KL / d logProbs, {@code [batch][responseLength]}; 0 on masked-out tokens. */
    public record TokenKl(double[][] kl, double[][] gradLogProbs) {
    }

    /** A KL loss term (before the coefficient), its gradient w.r.t. logProbs. */
    public record KlLoss(double loss, double[][] gradLogProbs) {
    }

    /** KL rewards: {@code tokenLevelRewards} = scores − β·KL; {@code currentKl} and {@code coefficient} are metrics. */
    public record PenalizedRewards(double[][] tokenLevelRewards, double currentKl, double coefficient) {
    }

    /** The estimator's value and derivative on every masked-in token. */
    public static TokenKl perToken(KlEstimator estimator, double[][] logProbs, double[][] refLogProbs,
                                   double[][] responseMask) {
        Masked.requireSameShape("logProbs", logProbs, responseMask);
        Masked.requireSameShape("refLogProbs", refLogProbs, responseMask);
        double[][] kl = Masked.zerosLike(responseMask);
        double[][] grad = Masked.zerosLike(responseMask);
        for (int b = 0; b < responseMask.length; b++) {
            for (int t = 0; t < responseMask[b].length; t++) {
                if (responseMask[b][t] != 0) {
                    kl[b][t] = estimator.value(logProbs[b][t], refLogProbs[b][t]);
                    grad[b][t] = estimator.gradLogProb(logProbs[b][t], refLogProbs[b][t]);
                }
            }
        }
        return new TokenKl(kl, grad);
    }

    /**
     * The KL loss term, aggregated like the policy loss (verl: {@code agg_loss(kl_penalty(...), mask, mode)});
     * multiply loss and gradient by {@code kl_loss_coef}. {@code globalBatch}: see {@link GlobalBatch}, null for a
     * whole batch.
     */
    public static KlLoss loss(KlEstimator estimator, double[][] logProbs, double[][] refLogProbs,
                              double[][] responseMask, LossAggregation aggregation, Double lossScaleFactor,
                              GlobalBatch globalBatch) {
        TokenKl tokenKl = perToken(estimator, logProbs, refLogProbs, responseMask);
        double loss = aggregation.aggregate(tokenKl.kl(), responseMask, lossScaleFactor, globalBatch);
        double[][] grad = aggregation.weights(responseMask, lossScaleFactor, globalBatch);
        for (int b = 0; b < grad.length; b++) {
            for (int t = 0; t < grad[b].length; t++) {
                grad[b][t] *= tokenKl.gradLogProbs()[b][t];
            }
        }
        return new KlLoss(loss, grad);
    }

    /**
     * verl {@code apply_kl_penalty}: rewards = scores − β·KL per token, with KL from the rollout-time log-probs, and
     * the batch KL (mean over rows of each row's masked mean), which the caller then feeds to its
     * {@link KlController} with the batch size, as verl does.
     */
    public static PenalizedRewards applyToRewards(double[][] tokenLevelScores, double[][] oldLogProbs,
                                                  double[][] refLogProbs, double[][] responseMask, double beta,
                                                  KlEstimator estimator) {
        Masked.requireSameShape("tokenLevelScores", tokenLevelScores, responseMask);
        double[][] kl = perToken(estimator, oldLogProbs, refLogProbs, responseMask).kl();
        double[][] rewards = Masked.zerosLike(responseMask);
        double rowMeanSum = 0;
        for (int b = 0; b < responseMask.length; b++) {
            double rowKl = 0;
            for (int t = 0; t < responseMask[b].length; t++) {
                rewards[b][t] = tokenLevelScores[b][t] - beta * kl[b][t];
                rowKl += kl[b][t] * responseMask[b][t];
            }
            rowMeanSum += rowKl / (Masked.rowCount(responseMask[b]) + Masked.MEAN_EPSILON);
        }
        double currentKl = responseMask.length == 0 ? 0 : rowMeanSum / responseMask.length;
        return new PenalizedRewards(rewards, currentKl, beta);
    }
}
