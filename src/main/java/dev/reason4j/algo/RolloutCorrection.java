package dev.reason4j.algo;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rollout correction, verl's {@code rollout_corr_helper.py} formula for formula, over {@code [B][R]} matrices with
 * a response mask (masked-out tokens — padding, tool output — never reach a result). For rollouts whose log-probs
 * come from another engine (vLLM, SGLang: other kernels and precision) or an older policy (async training), the
 * trainer recomputes π_old with its own forward and corrects with the per-token log-ratio
 * log ρ = log π_old − log π_rollout:
 * <ul>
 *   <li>truncated importance sampling (TIS; Yao et al. 2025, "Your Efficient RL Framework Secretly Brings You
 *   Off-Policy RL Training", fengyao.notion.site/off-policy-rl): weights w = min(ρ, C) per token, or min(∏ρ, C) per sequence, multiply each token's
 *   policy-gradient loss (detached: they change the measure, not the objective);</li>
 *   <li>masked importance sampling / rejection (MIS; Liu, Li et al. 2025, "When Speed Kills Stability: Demystifying
 *   RL Collapse from the Training-Inference Mismatch", richardli.xyz/rl-collapse): tokens or sequences whose ratio — per token, the
 *   sequence's product, or its geometric mean exp(mean log ρ) — lies outside [lower, upper] get mask 0;</li>
 *   <li>the veto: a sequence with any token ρ below a threshold is dropped;</li>
 *   <li>the mismatch metrics, all under {@code rollout_corr/}, and the gap {@code training/rollout_probs_diff_*}.</li>
 * </ul>
 * Exponents are clamped to ±{@link #SAFETY_BOUND}, as verl does.
 */
public final class RolloutCorrection {
    /** verl's {@code SAFETY_BOUND}: log-ratios are clamped to ±20 before {@code exp}. */
    public static final double SAFETY_BOUND = 20.0;
    private static final String PREFIX = "rollout_corr/";

    private RolloutCorrection() {
    }

    /** IS weights ({@code [B][R]}, 0 on masked-out tokens) and their metrics. */
    public record Weights(double[][] weights, Map<String, Double> metrics) {
    }

    /** A response mask with tokens or sequences rejected, and the metrics of the rejection. */
    public record Rejection(double[][] responseMask, Map<String, Double> metrics) {
    }

    /**
     * What the trainer applies: the IS weights (null when {@code rollout_is} is null), the response mask after
     * rejection and veto, and every metric.
     */
    public record Result(double[][] isWeights, double[][] responseMask, Map<String, Double> metrics) {
    }

    /**
     * verl's {@code compute_rollout_correction_and_rejection_mask}: IS weights, then rejection, then the veto
     * (applied on top of the rejection), then the off-policy metrics. An empty mask gives no metrics (verl raises).
     */
    public static Result compute(double[][] oldLogProbs, double[][] rolloutLogProbs, double[][] responseMask,
                                 RolloutCorrectionConfig config) {
        Masked.requireSameShape("oldLogProbs", oldLogProbs, responseMask);
        Masked.requireSameShape("rolloutLogProbs", rolloutLogProbs, responseMask);
        if (Masked.count(responseMask) == 0) {
            return new Result(config.rolloutIs() == null ? null : Masked.zerosLike(responseMask),
                    copy(responseMask), Map.of());
        }
        double[][] logRatio = logRatio(oldLogProbs, rolloutLogProbs, responseMask);
        Map<String, Double> metrics = new LinkedHashMap<>();
        double[][] weights = null;
        if (config.rolloutIs() != null) {
            Weights is = isWeights(logRatio, responseMask, config.rolloutIs(), config.rolloutIsThreshold(),
                    config.rolloutIsBatchNormalize());
            weights = is.weights();
            metrics.putAll(is.metrics());
        }
        double[][] mask = copy(responseMask);
        if (config.rolloutRs() != null) {
            Rejection rs = rejectionMask(logRatio, responseMask, config.rolloutRs(), config.rolloutRsThreshold(),
                    config.rolloutRsThresholdLower());
            mask = rs.responseMask();
            metrics.putAll(rs.metrics());
        }
        if (config.rolloutTokenVetoThreshold() != null) {
            Rejection veto = veto(logRatio, responseMask, config.rolloutTokenVetoThreshold());
            mask = Masked.product(mask, veto.responseMask());
            metrics.putAll(veto.metrics());
        } else {
            metrics.put(PREFIX + "rollout_is_veto_fraction", 0.0);
            metrics.put(PREFIX + "rollout_is_catastrophic_token_fraction", 0.0);
        }
        metrics.putAll(offPolicyMetrics(oldLogProbs, rolloutLogProbs, responseMask));
        return new Result(weights, mask, metrics);
    }

    /** log ρ = log π_old − log π_rollout on masked-in tokens, 0 elsewhere. */
    public static double[][] logRatio(double[][] oldLogProbs, double[][] rolloutLogProbs, double[][] mask) {
        double[][] logRatio = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0) {
                    logRatio[b][t] = oldLogProbs[b][t] - rolloutLogProbs[b][t];
                }
            }
        }
        return logRatio;
    }

    /**
     * verl's {@code compute_rollout_correction_weights}: w = exp(clamp(log ρ)) per token, or exp(clamp(Σ_t log ρ))
     * per sequence (the product of its ratios), times the mask; the metrics are taken before truncation; then
     * w = min(w, threshold); with {@code batchNormalize}, w / mean(w) (over tokens, or over sequences' weights).
     */
    public static Weights isWeights(double[][] logRatio, double[][] mask, RolloutCorrectionConfig.Level level,
                                    double threshold, boolean batchNormalize) {
        if (!RolloutCorrectionConfig.IS_LEVELS.contains(level)) {
            throw new IllegalArgumentException("rollout_is must be token or sequence, got " + level.verlName());
        }
        double[] sequenceLogRatios = level == RolloutCorrectionConfig.Level.TOKEN ? null
                : sequenceLogRatios(logRatio, mask, level);
        double[][] weights = ratios(logRatio, sequenceLogRatios);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                weights[b][t] *= mask[b][t];
            }
        }
        Map<String, Double> metrics = weightMetrics("rollout_is", weights, sequenceLogRatios, mask, threshold,
                1.0 / threshold);
        for (double[] row : weights) {
            for (int t = 0; t < row.length; t++) {
                row[t] = Math.min(row[t], threshold);
            }
        }
        if (batchNormalize) {
            double mean;
            if (sequenceLogRatios == null) {
                mean = Masked.mean(weights, mask);
            } else {
                double sum = 0;
                double sequences = 0;
                for (int b = 0; b < mask.length; b++) {
                    if (Masked.rowCount(mask[b]) > 0) {
                        sum += Masked.rowMean(weights[b], mask[b]);
                        sequences++;
                    }
                }
                mean = sum / Math.max(sequences, Masked.MEAN_EPSILON);
            }
            if (mean > Masked.MEAN_EPSILON) {
                for (double[] row : weights) {
                    for (int t = 0; t < row.length; t++) {
                        row[t] /= mean;
                    }
                }
                metrics.put(PREFIX + "rollout_is_batch_norm_factor", mean);
            } else {
                metrics.put(PREFIX + "rollout_is_batch_norm_factor", 1.0);
            }
        }
        return new Weights(weights, metrics);
    }

    /**
     * verl's {@code compute_rollout_rejection_mask}: the ratio per token, per sequence (∏ρ) or per sequence's
     * geometric mean (exp(mean log ρ)) must lie in [lower, upper] (lower = 1 / upper when null), or the token —
     * the whole sequence, at the sequence levels — gets mask 0.
     */
    public static Rejection rejectionMask(double[][] logRatio, double[][] mask, RolloutCorrectionConfig.Level level,
                                          double upper, Double lowerOrNull) {
        double lower = lowerOrNull != null ? lowerOrNull : 1.0 / upper;
        double[] sequenceLogRatios = level == RolloutCorrectionConfig.Level.TOKEN ? null
                : sequenceLogRatios(logRatio, mask, level);
        double[][] ratios = ratios(logRatio, sequenceLogRatios);
        double[][] rejected = Masked.zerosLike(mask);
        double[][] kept = Masked.zerosLike(mask);
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                boolean inBand = ratios[b][t] >= lower && ratios[b][t] <= upper;
                rejected[b][t] = inBand ? 0 : 1;
                kept[b][t] = inBand ? mask[b][t] : 0;
            }
        }
        Map<String, Double> metrics = weightMetrics("rollout_rs", ratios, sequenceLogRatios, mask, upper, lower);
        metrics.put(PREFIX + "rollout_rs_masked_fraction", Masked.mean(rejected, mask));
        double rejectedSequences = 0;
        for (int b = 0; b < mask.length; b++) {
            // Token level: a sequence counts when any of its tokens is rejected; else its (row-wide) decision.
            rejectedSequences += sequenceLogRatios == null ? (Masked.rowSum(rejected[b], mask[b]) > 0 ? 1 : 0)
                    : rejected[b].length == 0 ? 0 : rejected[b][0];
        }
        metrics.put(PREFIX + "rollout_rs_seq_masked_fraction", rejectedSequences / mask.length);
        return new Rejection(kept, metrics);
    }

    /**
     * verl's per-token veto: a sequence with any masked-in token whose log ρ is below log(threshold) gets mask 0
     * everywhere.
     */
    public static Rejection veto(double[][] logRatio, double[][] mask, double threshold) {
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("rollout_token_veto_threshold must be positive, got " + threshold);
        }
        double logThreshold = Math.log(threshold);
        double[][] catastrophic = Masked.zerosLike(mask);
        double[][] kept = Masked.zerosLike(mask);
        double vetoed = 0;
        for (int b = 0; b < mask.length; b++) {
            boolean any = false;
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0 && logRatio[b][t] < logThreshold) {
                    catastrophic[b][t] = 1;
                    any = true;
                }
            }
            vetoed += any ? 1 : 0;
            for (int t = 0; t < mask[b].length; t++) {
                kept[b][t] = any ? 0 : mask[b][t];
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(PREFIX + "rollout_is_veto_fraction", vetoed / mask.length);
        metrics.put(PREFIX + "rollout_is_catastrophic_token_fraction", Masked.mean(catastrophic, mask));
        return new Rejection(kept, metrics);
    }

    /**
     * verl's {@code compute_offpolicy_metrics} between π_train ({@code trainLogProbs}) and π_rollout: {@code kl}
     * = mean(log π_rollout − log π_train) (k1 of KL(π_rollout ‖ π_train) on the rollout's samples), {@code k3_kl}
     * = mean(ρ − log ρ − 1), perplexities per sequence (exp of minus the sequence's mean log-prob, averaged over
     * sequences) and their log difference, {@code chi2_token} = mean(ρ²) − 1, {@code chi2_seq} = mean_seq((∏ρ)²) − 1.
     */
    public static Map<String, Double> offPolicyMetrics(double[][] trainLogProbs, double[][] rolloutLogProbs,
                                                       double[][] mask) {
        int sequences = mask.length;
        double[][] logRatio = logRatio(trainLogProbs, rolloutLogProbs, mask);
        double[][] rolloutMinusTrain = Masked.zerosLike(mask);
        double[][] k3 = Masked.zerosLike(mask);
        double[][] ratioSquared = Masked.zerosLike(mask);
        for (int b = 0; b < sequences; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0) {
                    double l = logRatio[b][t];
                    rolloutMinusTrain[b][t] = rolloutLogProbs[b][t] - trainLogProbs[b][t];
                    k3[b][t] = Math.exp(l) - l - 1;
                    double ratio = Math.exp(clamp(l));
                    ratioSquared[b][t] = ratio * ratio;
                }
            }
        }
        double trainingPpl = 0;
        double trainingLogPpl = 0;
        double rolloutPpl = 0;
        double rolloutLogPpl = 0;
        double logPplDiff = 0;
        double logPplAbsDiff = 0;
        double logPplDiffMax = Double.NEGATIVE_INFINITY;
        double logPplDiffMin = Double.POSITIVE_INFINITY;
        double pplRatio = 0;
        double sequenceRatioSquared = 0;
        for (int b = 0; b < sequences; b++) {
            double train = Masked.rowMean(trainLogProbs[b], mask[b]);
            double rollout = Masked.rowMean(rolloutLogProbs[b], mask[b]);
            trainingPpl += Math.exp(-train);
            trainingLogPpl += -train;
            rolloutPpl += Math.exp(-rollout);
            rolloutLogPpl += -rollout;
            double diff = rollout - train;
            logPplDiff += diff;
            logPplAbsDiff += Math.abs(diff);
            logPplDiffMax = Math.max(logPplDiffMax, diff);
            logPplDiffMin = Math.min(logPplDiffMin, diff);
            pplRatio += Math.exp(diff);
            sequenceRatioSquared += Math.exp(2.0 * clamp(Masked.rowSum(logRatio[b], mask[b])));
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put(PREFIX + "training_ppl", trainingPpl / sequences);
        metrics.put(PREFIX + "training_log_ppl", trainingLogPpl / sequences);
        metrics.put(PREFIX + "kl", Masked.mean(rolloutMinusTrain, mask));
        metrics.put(PREFIX + "k3_kl", Masked.mean(k3, mask));
        metrics.put(PREFIX + "rollout_ppl", rolloutPpl / sequences);
        metrics.put(PREFIX + "rollout_log_ppl", rolloutLogPpl / sequences);
        metrics.put(PREFIX + "log_ppl_diff", logPplDiff / sequences);
        metrics.put(PREFIX + "log_ppl_abs_diff", logPplAbsDiff / sequences);
        metrics.put(PREFIX + "log_ppl_diff_max", logPplDiffMax);
        metrics.put(PREFIX + "log_ppl_diff_min", logPplDiffMin);
        metrics.put(PREFIX + "ppl_ratio", pplRatio / sequences);
        metrics.put(PREFIX + "chi2_token", Masked.mean(ratioSquared, mask) - 1.0);
        metrics.put(PREFIX + "chi2_seq", sequenceRatioSquared / sequences - 1.0);
        return metrics;
    }

    /**
     * The gap in probability (not log-probability) between the training forward and the rollout engine on the
     * same tokens, verl's debug metrics: {@code training/rollout_probs_diff_max} and {@code _mean} of
     * |π_train − π_rollout|, and {@code _tokens}, how many tokens were compared.
     */
    public static Map<String, Double> probsDiff(double[][] trainLogProbs, double[][] rolloutLogProbs,
                                                double[][] mask) {
        double max = 0;
        double sum = 0;
        double tokens = 0;
        for (int b = 0; b < mask.length; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                if (mask[b][t] != 0) {
                    double diff = Math.abs(Math.exp(trainLogProbs[b][t]) - Math.exp(rolloutLogProbs[b][t]));
                    max = Math.max(max, diff);
                    sum += diff;
                    tokens++;
                }
            }
        }
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("training/rollout_probs_diff_max", max);
        metrics.put("training/rollout_probs_diff_mean", tokens == 0 ? 0.0 : sum / tokens);
        metrics.put("training/rollout_probs_diff_tokens", tokens);
        return metrics;
    }

    /**
     * verl's {@code compute_is_metrics} / {@code compute_rs_metrics} (one formula, {@code name} is rollout_is or
     * rollout_rs): mean/max/min of the ratios, the fractions above {@code upper} and below {@code lower} (in log
     * space, over sequences, at the sequence levels), std and effective sample size of the ratios clamped to
     * [lower, upper] — ESS = 1 / mean((w / mean w)²) = (Σw)² / (N·Σw²), a fraction of the N tokens — and the
     * statistics of each sequence's mean ratio.
     */
    private static Map<String, Double> weightMetrics(String name, double[][] ratios, double[] sequenceLogRatios,
                                                     double[][] mask, double upper, double lower) {
        String p = PREFIX + name;
        Map<String, Double> metrics = new LinkedHashMap<>();
        int sequences = mask.length;
        if (sequenceLogRatios != null) {
            double logMax = Double.NEGATIVE_INFINITY;
            double logMin = Double.POSITIVE_INFINITY;
            double high = 0;
            double low = 0;
            for (double logRatio : sequenceLogRatios) {
                logMax = Math.max(logMax, logRatio);
                logMin = Math.min(logMin, logRatio);
                high += logRatio > Math.log(upper) ? 1 : 0;
                low += logRatio < Math.log(lower) ? 1 : 0;
            }
            metrics.put(p + "_max", Math.exp(Math.min(logMax, SAFETY_BOUND)));
            metrics.put(p + "_min", Math.exp(logMin));
            metrics.put(p + "_mean", Masked.mean(ratios, mask));
            metrics.put(p + "_ratio_fraction_high", high / sequences);
            metrics.put(p + "_ratio_fraction_low", low / sequences);
        } else {
            double[][] above = Masked.zerosLike(mask);
            double[][] below = Masked.zerosLike(mask);
            double max = Double.NEGATIVE_INFINITY;
            double min = Double.POSITIVE_INFINITY;
            for (int b = 0; b < sequences; b++) {
                for (int t = 0; t < mask[b].length; t++) {
                    if (mask[b][t] != 0) {
                        above[b][t] = ratios[b][t] > upper ? 1 : 0;
                        below[b][t] = ratios[b][t] < lower ? 1 : 0;
                        max = Math.max(max, ratios[b][t]);
                        min = Math.min(min, ratios[b][t]);
                    }
                }
            }
            metrics.put(p + "_mean", Masked.mean(ratios, mask));
            metrics.put(p + "_ratio_fraction_high", Masked.mean(above, mask));
            metrics.put(p + "_ratio_fraction_low", Masked.mean(below, mask));
            metrics.put(p + "_max", max);
            metrics.put(p + "_min", min);
        }

        double[][] clamped = Masked.zerosLike(mask);
        double[][] clampedSquared = Masked.zerosLike(mask);
        for (int b = 0; b < sequences; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                clamped[b][t] = Math.max(lower, Math.min(upper, ratios[b][t]));
                clampedSquared[b][t] = clamped[b][t] * clamped[b][t];
            }
        }
        double clampedMean = Masked.mean(clamped, mask);
        if (Masked.count(mask) > 1) {
            double variance = Masked.mean(clampedSquared, mask) - clampedMean * clampedMean;
            metrics.put(p + "_std", Math.sqrt(Math.max(variance, 0.0)));
        } else {
            metrics.put(p + "_std", 0.0);
        }
        double[][] normalizedSquared = Masked.zerosLike(mask);
        for (int b = 0; b < sequences; b++) {
            for (int t = 0; t < mask[b].length; t++) {
                double normalized = clamped[b][t] / (clampedMean + Masked.MEAN_EPSILON);
                normalizedSquared[b][t] = normalized * normalized;
            }
        }
        metrics.put(p + "_eff_sample_size", 1.0 / Masked.mean(normalizedSquared, mask));

        double[] sequenceMeans = new double[sequences];
        double sum = 0;
        double max = Double.NEGATIVE_INFINITY;
        double min = Double.POSITIVE_INFINITY;
        double maxDeviation = 0;
        double high = 0;
        double low = 0;
        for (int b = 0; b < sequences; b++) {
            sequenceMeans[b] = Masked.rowMean(ratios[b], mask[b]);
            sum += sequenceMeans[b];
            max = Math.max(max, sequenceMeans[b]);
            min = Math.min(min, sequenceMeans[b]);
            maxDeviation = Math.max(maxDeviation, Math.abs(sequenceMeans[b] - 1.0));
            high += sequenceMeans[b] > upper ? 1 : 0;
            low += sequenceMeans[b] < lower ? 1 : 0;
        }
        double mean = sum / sequences;
        double squares = 0;
        for (double sequenceMean : sequenceMeans) {
            squares += (sequenceMean - mean) * (sequenceMean - mean);
        }
        metrics.put(p + "_seq_mean", mean);
        metrics.put(p + "_seq_std", sequences > 1 ? Math.sqrt(squares / (sequences - 1)) : 0.0);  // torch.std: n − 1
        metrics.put(p + "_seq_max", max);
        metrics.put(p + "_seq_min", min);
        metrics.put(p + "_seq_max_deviation", maxDeviation);
        metrics.put(p + "_seq_fraction_high", high / sequences);
        metrics.put(p + "_seq_fraction_low", low / sequences);
        return metrics;
    }

    /** Per sequence: Σ_t log ρ (sequence) or Σ_t log ρ / (T + 1e-8) (geometric), over masked-in tokens. */
    private static double[] sequenceLogRatios(double[][] logRatio, double[][] mask,
                                              RolloutCorrectionConfig.Level level) {
        double[] out = new double[mask.length];
        for (int b = 0; b < mask.length; b++) {
            out[b] = level == RolloutCorrectionConfig.Level.GEOMETRIC ? Masked.rowMean(logRatio[b], mask[b])
                    : Masked.rowSum(logRatio[b], mask[b]);
        }
        return out;
    }

    /** exp(clamp(log ρ)) per token, or the sequence's exp(clamp(log ratio)) on each of its positions. */
    private static double[][] ratios(double[][] logRatio, double[] sequenceLogRatios) {
        double[][] ratios = new double[logRatio.length][];
        for (int b = 0; b < logRatio.length; b++) {
            ratios[b] = new double[logRatio[b].length];
            for (int t = 0; t < logRatio[b].length; t++) {
                ratios[b][t] = Math.exp(clamp(sequenceLogRatios == null ? logRatio[b][t] : sequenceLogRatios[b]));
            }
        }
        return ratios;
    }

    private static double clamp(double logRatio) {
        return Math.max(-SAFETY_BOUND, Math.min(SAFETY_BOUND, logRatio));
    }

    private static double[][] copy(double[][] matrix) {
        double[][] out = new double[matrix.length][];
        for (int b = 0; b < matrix.length; b++) {
            out[b] = matrix[b].clone();
        }
        return out;
    }
}
