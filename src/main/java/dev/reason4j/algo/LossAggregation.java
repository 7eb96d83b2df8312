package dev.reason4j.algo;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * How a {@code [batch][responseLength]} matrix of per-token losses becomes one scalar (verl {@code agg_loss},
 * config key {@code loss_agg_mode}). Every mode is linear in the losses, so {@link #weights} — d loss / d loss[b][t] —
 * turns a per-token derivative into the gradient of the aggregate. Rows with no masked-in token are left out of
 * the sequence means, and an empty batch aggregates to 0, as in verl. With a {@link GlobalBatch} the divisors are
 * the mini-batch's, so micro-batch losses add up to the mini-batch loss.
 */
public enum LossAggregation {
    /** Σ mask·loss / Σ mask: every token weighs the same (DAPO). */
    TOKEN_MEAN("token-mean"),
    /** Mean over sequences of each sequence's token sum. */
    SEQ_MEAN_TOKEN_SUM("seq-mean-token-sum"),
    /** Mean over sequences of each sequence's token mean (original GRPO). */
    SEQ_MEAN_TOKEN_MEAN("seq-mean-token-mean"),
    /**
     * Σ over all tokens / a constant (Dr.GRPO, arXiv:2503.20783): no length bias. The constant is
     * {@code loss_scale_factor}, the response length when not given.
     */
    SEQ_MEAN_TOKEN_SUM_NORM("seq-mean-token-sum-norm");

    private final String verlName;

    LossAggregation(String verlName) {
        this.verlName = verlName;
    }

    /** verl's name, e.g. {@code "token-mean"}. */
    public String verlName() {
        return verlName;
    }

    /** The mode with verl's name {@code name}; the error lists the valid names. */
    public static LossAggregation of(String name) {
        for (LossAggregation mode : values()) {
            if (mode.verlName.equals(name)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("unknown loss_agg_mode '" + name + "'; expected one of "
                + Arrays.stream(values()).map(LossAggregation::verlName).collect(Collectors.joining(", ")));
    }

    /** Aggregates with the default scale factor (the response length) for {@link #SEQ_MEAN_TOKEN_SUM_NORM}. */
    public double aggregate(double[][] lossMatrix, double[][] mask) {
        return aggregate(lossMatrix, mask, null, null);
    }

    /**
     * The aggregate loss, summed in verl's order. {@code lossScaleFactor} (verl {@code loss_scale_factor}) is used
     * by {@link #SEQ_MEAN_TOKEN_SUM_NORM} only; null means the response length. {@code globalBatch} null means
     * this batch's own counts.
     */
    public double aggregate(double[][] lossMatrix, double[][] mask, Double lossScaleFactor, GlobalBatch globalBatch) {
        Masked.requireSameShape("loss matrix", lossMatrix, mask);
        GlobalBatch counts = globalBatch != null ? globalBatch : GlobalBatch.of(mask);
        switch (this) {
            case TOKEN_MEAN -> {
                return counts.tokens() == 0 ? 0.0 : Masked.sum(lossMatrix, mask) / counts.tokens();
            }
            case SEQ_MEAN_TOKEN_SUM, SEQ_MEAN_TOKEN_MEAN -> {
                double total = 0;
                for (int b = 0; b < lossMatrix.length; b++) {
                    double tokens = Masked.rowCount(mask[b]);
                    if (tokens > 0) {
                        double rowSum = Masked.rowSum(lossMatrix[b], mask[b]);
                        total += this == SEQ_MEAN_TOKEN_SUM ? rowSum : rowSum / (tokens + Masked.MEAN_EPSILON);
                    }
                }
                return counts.sequences() == 0 ? 0.0 : total / counts.sequences();
            }
            case SEQ_MEAN_TOKEN_SUM_NORM -> {
                double total = 0;
                for (int b = 0; b < lossMatrix.length; b++) {
                    total += Masked.rowSum(lossMatrix[b], mask[b]);
                }
                double scale = scaleFactor(mask, lossScaleFactor);
                return scale == 0 ? 0.0 : total / scale;
            }
        }
        throw new AssertionError(this);
    }

    /** d aggregate / d loss[b][t] with the default scale factor. */
    public double[][] weights(double[][] mask) {
        return weights(mask, null, null);
    }

    /** d aggregate / d loss[b][t]: 0 on masked-out tokens and on every token of an empty batch. */
    public double[][] weights(double[][] mask, Double lossScaleFactor, GlobalBatch globalBatch) {
        double[][] weights = Masked.zerosLike(mask);
        GlobalBatch counts = globalBatch != null ? globalBatch : GlobalBatch.of(mask);
        double sequences = counts.sequences();
        double tokens = counts.tokens();
        double scale = scaleFactor(mask, lossScaleFactor);
        for (int b = 0; b < mask.length; b++) {
            double rowTokens = Masked.rowCount(mask[b]);
            double perToken = switch (this) {
                case TOKEN_MEAN -> tokens == 0 ? 0.0 : 1.0 / tokens;
                case SEQ_MEAN_TOKEN_SUM -> sequences == 0 ? 0.0 : 1.0 / sequences;
                case SEQ_MEAN_TOKEN_MEAN -> rowTokens == 0 ? 0.0
                        : 1.0 / ((rowTokens + Masked.MEAN_EPSILON) * sequences);
                case SEQ_MEAN_TOKEN_SUM_NORM -> scale == 0 ? 0.0 : 1.0 / scale;
            };
            for (int t = 0; t < mask[b].length; t++) {
                weights[b][t] = mask[b][t] * perToken;
            }
        }
        return weights;
    }

    private static double scaleFactor(double[][] mask, Double lossScaleFactor) {
        if (lossScaleFactor != null) {
            return lossScaleFactor;
        }
        return mask.length == 0 ? 0 : mask[0].length;
    }
}
