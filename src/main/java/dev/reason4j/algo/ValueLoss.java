package dev.reason4j.algo;

/**
 * PPO's clipped value loss for a critic (verl {@code compute_value_loss}): the new prediction may move at most
 * {@code cliprangeValue} from the rollout-time value before the clipped error takes over,
 * L = ½·agg(max((v − R)², (clip(v, v_old ± c) − R)²)).
 */
public final class ValueLoss {
    private ValueLoss() {
    }

    /**
     * @param loss       the aggregated value loss
     * @param clipfrac   fraction of tokens where the clipped error was larger ({@code critic/vf_clipfrac})
     * @param gradVpreds d loss / d vpreds
     */
    public record Result(double loss, double clipfrac, double[][] gradVpreds) {
    }

    /**
     * @param vpreds         current value predictions
     * @param returns        regression targets (e.g. GAE returns)
     * @param values         value predictions at rollout time
     * @param cliprangeValue {@code critic.cliprange_value}
     * @param globalBatch    see {@link GlobalBatch}; null for a whole batch
     */
    public static Result compute(double[][] vpreds, double[][] returns, double[][] values, double[][] responseMask,
                                 double cliprangeValue, LossAggregation aggregation, Double lossScaleFactor,
                                 GlobalBatch globalBatch) {
        Masked.requireSameShape("vpreds", vpreds, responseMask);
        Masked.requireSameShape("returns", returns, responseMask);
        Masked.requireSameShape("values", values, responseMask);
        double[][] losses = Masked.zerosLike(responseMask);
        double[][] tokenGrads = Masked.zerosLike(responseMask);
        double[][] clipped = Masked.zerosLike(responseMask);
        for (int b = 0; b < responseMask.length; b++) {
            for (int t = 0; t < responseMask[b].length; t++) {
                if (responseMask[b][t] == 0) {
                    continue;
                }
                double prediction = vpreds[b][t];
                double low = values[b][t] - cliprangeValue;
                double high = values[b][t] + cliprangeValue;
                // clip_by_value = max(min(v, high), low), with torch's tie-sharing gradients.
                double belowHigh = Math.min(prediction, high);
                double belowHighGrad = PolicyLosses.minGrad(prediction, 1, high, 0);
                double clippedPrediction = Math.max(belowHigh, low);
                double clippedGrad = PolicyLosses.maxGrad(belowHigh, belowHighGrad, low, 0);
                double error = prediction - returns[b][t];
                double clippedError = clippedPrediction - returns[b][t];
                double unclippedLoss = error * error;
                double clippedLoss = clippedError * clippedError;
                losses[b][t] = Math.max(unclippedLoss, clippedLoss);
                tokenGrads[b][t] = PolicyLosses.maxGrad(unclippedLoss, 2 * error,
                        clippedLoss, 2 * clippedError * clippedGrad);
                clipped[b][t] = clippedLoss > unclippedLoss ? 1 : 0;
            }
        }
        double loss = 0.5 * aggregation.aggregate(losses, responseMask, lossScaleFactor, globalBatch);
        double[][] grad = aggregation.weights(responseMask, lossScaleFactor, globalBatch);
        for (int b = 0; b < grad.length; b++) {
            for (int t = 0; t < grad[b].length; t++) {
                grad[b][t] *= 0.5 * tokenGrads[b][t];
            }
        }
        return new Result(loss, Masked.mean(clipped, responseMask), grad);
    }
}
