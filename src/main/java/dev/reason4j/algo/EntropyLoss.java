package dev.reason4j.algo;

/**
 * The mean entropy of the policy over response tokens (verl {@code compute_entropy_loss}); the trainer subtracts
 * {@code entropy_coeff}·loss from the policy loss as an exploration bonus.
 */
public final class EntropyLoss {
    private EntropyLoss() {
    }

    /** An aggregated entropy and its gradient w.r.t. what it was computed from (entropies or logits). */
    public record Result<G>(double loss, G grad) {
    }

    /**
     * From per-token entropies (the model's forward gives them): the aggregate and d loss / d entropy[b][t],
     * which the model's backward turns into logit gradients. {@code globalBatch}: see {@link GlobalBatch}.
     */
    public static Result<double[][]> fromEntropies(double[][] entropies, double[][] responseMask,
                                                   LossAggregation aggregation, Double lossScaleFactor,
                                                   GlobalBatch globalBatch) {
        return new Result<>(aggregation.aggregate(entropies, responseMask, lossScaleFactor, globalBatch),
                aggregation.weights(responseMask, lossScaleFactor, globalBatch));
    }

    /**
     * From logits {@code [batch][responseLength][vocab]}: H = logsumexp(z) − Σ p·z and
     * dH/dz_j = −p_j·(z_j − Σ_k p_k z_k), chained through the aggregation.
     */
    public static Result<double[][][]> fromLogits(double[][][] logits, double[][] responseMask,
                                                  LossAggregation aggregation, Double lossScaleFactor,
                                                  GlobalBatch globalBatch) {
        if (logits.length != responseMask.length) {
            throw new IllegalArgumentException(
                    "logits has " + logits.length + " rows but responseMask has " + responseMask.length);
        }
        double[][] entropies = Masked.zerosLike(responseMask);
        double[][][] tokenGrads = new double[logits.length][][];
        for (int b = 0; b < logits.length; b++) {
            if (logits[b].length != responseMask[b].length) {
                throw new IllegalArgumentException("logits row " + b + " has " + logits[b].length
                        + " tokens but responseMask row " + b + " has " + responseMask[b].length);
            }
            tokenGrads[b] = new double[logits[b].length][];
            for (int t = 0; t < logits[b].length; t++) {
                tokenGrads[b][t] = new double[logits[b][t].length];
                if (responseMask[b][t] != 0) {
                    entropies[b][t] = entropyAndGrad(logits[b][t], tokenGrads[b][t]);
                }
            }
        }
        double loss = aggregation.aggregate(entropies, responseMask, lossScaleFactor, globalBatch);
        double[][] weights = aggregation.weights(responseMask, lossScaleFactor, globalBatch);
        for (int b = 0; b < logits.length; b++) {
            for (int t = 0; t < logits[b].length; t++) {
                for (int v = 0; v < tokenGrads[b][t].length; v++) {
                    tokenGrads[b][t][v] *= weights[b][t];
                }
            }
        }
        return new Result<>(loss, tokenGrads);
    }

    /** Entropy of softmax(logits); writes dH/dlogits into {@code grad}. */
    static double entropyAndGrad(double[] logits, double[] grad) {
        double max = Double.NEGATIVE_INFINITY;
        for (double z : logits) {
            max = Math.max(max, z);
        }
        double expSum = 0;
        for (double z : logits) {
            expSum += Math.exp(z - max);
        }
        double logSumExp = max + Math.log(expSum);
        double expectedLogit = 0;
        for (int v = 0; v < logits.length; v++) {
            grad[v] = Math.exp(logits[v] - logSumExp);
            if (grad[v] != 0) { // a −∞ logit (a banned token) has p = 0 and adds nothing
                expectedLogit += grad[v] * logits[v];
            }
        }
        for (int v = 0; v < logits.length; v++) {
            grad[v] = grad[v] == 0 ? 0 : -grad[v] * (logits[v] - expectedLogit);
        }
        return logSumExp - expectedLogit;
    }
}
