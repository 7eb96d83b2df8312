package dev.reason4j.algo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.reason4j.algo.RolloutCorrectionConfig.Level;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Each rollout-correction formula against values derived by hand or recomputed here with plain loops, the weights'
 * gradient (constants times the loss), and the mask: masked-out tokens never change a result.
 */
class RolloutCorrectionTest {
    private static final double EXACT = 1e-12;   // exp(log r) round trips, nothing more

    /**
     * Two responses of four tokens; row 0 has an inserted (tool) token at t = 1, row 1 is one token shorter.
     * Ratios ρ = π_old / π_rollout: row 0: 3, (masked), 0.625, 1.5; row 1: 1.25, 0.2, 1, (padding).
     */
    private static final double[][] MASK = {{1, 0, 1, 1}, {1, 1, 1, 0}};
    private static final double[][] RATIOS = {{3, 7, 0.625, 1.5}, {1.25, 0.2, 1, 9}};

    private static double[][] rolloutLogProbs() {
        return new double[][] {{-1.0, -2.0, -0.5, -3.0}, {-0.25, -1.5, -2.0, 0.0}};
    }

    /** log π_old = log π_rollout + log ρ. */
    private static double[][] oldLogProbs() {
        double[][] rollout = rolloutLogProbs();
        double[][] old = new double[2][4];
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 4; t++) {
                old[b][t] = rollout[b][t] + Math.log(RATIOS[b][t]);
            }
        }
        return old;
    }

    private static double[][] logRatio() {
        return RolloutCorrection.logRatio(oldLogProbs(), rolloutLogProbs(), MASK);
    }

    private static double metric(Map<String, Double> metrics, String name) {
        Double value = metrics.get("rollout_corr/" + name);
        assertTrue(value != null, name + " missing from " + metrics.keySet());
        return value;
    }

    @Test
    void tokenLevelTisIsTheRatioCutAtTheThreshold() {
        RolloutCorrection.Weights is = RolloutCorrection.isWeights(logRatio(), MASK, Level.TOKEN, 2.0, false);
        // By hand: min(ρ, 2), 0 where masked out.
        double[][] expected = {{2, 0, 0.625, 1.5}, {1.25, 0.2, 1, 0}};
        for (int b = 0; b < 2; b++) {
            assertArrayEquals(expected[b], is.weights()[b], EXACT, "row " + b);
        }
        // Metrics before truncation, over the 6 masked-in tokens: 3, 0.625, 1.5, 1.25, 0.2, 1.
        Map<String, Double> m = is.metrics();
        assertEquals(7.575 / (6 + 1e-8), metric(m, "rollout_is_mean"), EXACT);
        assertEquals(3.0, metric(m, "rollout_is_max"), EXACT);
        assertEquals(0.2, metric(m, "rollout_is_min"), EXACT);
        assertEquals(1 / (6 + 1e-8), metric(m, "rollout_is_ratio_fraction_high"), EXACT);   // 3 > 2
        assertEquals(1 / (6 + 1e-8), metric(m, "rollout_is_ratio_fraction_low"), EXACT);    // 0.2 < 0.5
        // ESS over the weights clamped to [1/2, 2]: 2, 0.625, 1.5, 1.25, 0.5, 1 → (Σw)² / (N Σw²).
        double[] clamped = {2, 0.625, 1.5, 1.25, 0.5, 1};
        double sum = 0;
        double squares = 0;
        for (double w : clamped) {
            sum += w;
            squares += w * w;
        }
        // verl's epsilons: mean = Σw / (N + 1e-8), ESS = 1 / (Σ (w / (mean + 1e-8))² / (N + 1e-8)).
        double mean = sum / (6 + 1e-8);
        double normalizedSquares = 0;
        for (double w : clamped) {
            normalizedSquares += (w / (mean + 1e-8)) * (w / (mean + 1e-8));
        }
        assertEquals(1 / (normalizedSquares / (6 + 1e-8)), metric(m, "rollout_is_eff_sample_size"), EXACT);
        assertEquals(sum * sum / (6 * squares), metric(m, "rollout_is_eff_sample_size"), 1e-7);
        assertEquals(Math.sqrt(squares / (6 + 1e-8) - mean * mean), metric(m, "rollout_is_std"), EXACT);
        // Per-sequence means of the untruncated weights: (3 + 0.625 + 1.5)/3 and (1.25 + 0.2 + 1)/3.
        double seq0 = 5.125 / 3;
        double seq1 = 2.45 / 3;
        assertEquals((seq0 + seq1) / 2, metric(m, "rollout_is_seq_mean"), 1e-8);
        assertEquals(Math.abs(seq0 - seq1) / Math.sqrt(2), metric(m, "rollout_is_seq_std"), 1e-8);  // n − 1
        assertEquals(seq0, metric(m, "rollout_is_seq_max"), 1e-8);
        assertEquals(seq1, metric(m, "rollout_is_seq_min"), 1e-8);
        assertEquals(seq0 - 1, metric(m, "rollout_is_seq_max_deviation"), 1e-8);
        assertEquals(0.0, metric(m, "rollout_is_seq_fraction_high"));
        assertEquals(0.0, metric(m, "rollout_is_seq_fraction_low"));
    }

    @Test
    void sequenceLevelTisIsTheProductOfTheRatiosCut() {
        RolloutCorrection.Weights is = RolloutCorrection.isWeights(logRatio(), MASK, Level.SEQUENCE, 2.0, false);
        // Row 0: 3 · 0.625 · 1.5 = 2.8125 → cut to 2; row 1: 1.25 · 0.2 · 1 = 0.25.
        assertArrayEquals(new double[] {2, 0, 2, 2}, is.weights()[0], EXACT);
        assertArrayEquals(new double[] {0.25, 0.25, 0.25, 0}, is.weights()[1], EXACT);
        Map<String, Double> m = is.metrics();
        assertEquals(2.8125, metric(m, "rollout_is_max"), EXACT);
        assertEquals(0.25, metric(m, "rollout_is_min"), EXACT);
        assertEquals(0.5, metric(m, "rollout_is_ratio_fraction_high"));   // sequences: 2.8125 > 2
        assertEquals(0.5, metric(m, "rollout_is_ratio_fraction_low"));    // 0.25 < 0.5
        assertEquals((3 * 2.8125 + 3 * 0.25) / (6 + 1e-8), metric(m, "rollout_is_mean"), EXACT);
    }

    @Test
    void batchNormalizationMakesTheMeanWeightOne() {
        RolloutCorrection.Weights is = RolloutCorrection.isWeights(logRatio(), MASK, Level.TOKEN, 2.0, true);
        double mean = (2 + 0.625 + 1.5 + 1.25 + 0.2 + 1) / (6 + 1e-8);
        assertEquals(mean, metric(is.metrics(), "rollout_is_batch_norm_factor"), EXACT);
        assertEquals(2 / mean, is.weights()[0][0], EXACT);
        assertEquals(0.0, is.weights()[0][1]);
        // Sequence level: the mean over sequences of each sequence's weight, 2 and 0.25.
        RolloutCorrection.Weights sequence = RolloutCorrection.isWeights(logRatio(), MASK, Level.SEQUENCE, 2.0, true);
        double sequenceMean = (2 * 3 / (3 + 1e-8) + 0.25 * 3 / (3 + 1e-8)) / 2;
        assertEquals(sequenceMean, metric(sequence.metrics(), "rollout_is_batch_norm_factor"), EXACT);
        assertEquals(0.25 / sequenceMean, sequence.weights()[1][2], EXACT);
    }

    @Test
    void tokenRejectionMasksTheTokensOutsideTheBand() {
        // Band [1/2, 2] (lower defaults to 1 / upper): 3 and 0.2 fall out.
        RolloutCorrection.Rejection rs = RolloutCorrection.rejectionMask(logRatio(), MASK, Level.TOKEN, 2.0, null);
        assertArrayEquals(new double[] {0, 0, 1, 1}, rs.responseMask()[0]);
        assertArrayEquals(new double[] {1, 0, 1, 0}, rs.responseMask()[1]);
        assertEquals(2 / (6 + 1e-8), metric(rs.metrics(), "rollout_rs_masked_fraction"), EXACT);
        assertEquals(1.0, metric(rs.metrics(), "rollout_rs_seq_masked_fraction"));  // both rows lost a token
        // An explicit lower bound: [0.1, 2] keeps 0.2.
        RolloutCorrection.Rejection lower = RolloutCorrection.rejectionMask(logRatio(), MASK, Level.TOKEN, 2.0, 0.1);
        assertArrayEquals(new double[] {1, 1, 1, 0}, lower.responseMask()[1]);
    }

    @Test
    void sequenceAndGeometricRejectionDropWholeSequences() {
        // Sequence: products 2.8125 (out of [1/2, 2]) and 0.25 (out): both rows go; with upper 3, lower 0.2 both stay.
        RolloutCorrection.Rejection sequence =
                RolloutCorrection.rejectionMask(logRatio(), MASK, Level.SEQUENCE, 2.0, null);
        assertArrayEquals(new double[] {0, 0, 0, 0}, sequence.responseMask()[0]);
        assertArrayEquals(new double[] {0, 0, 0, 0}, sequence.responseMask()[1]);
        assertEquals(1.0, metric(sequence.metrics(), "rollout_rs_seq_masked_fraction"));
        RolloutCorrection.Rejection wide = RolloutCorrection.rejectionMask(logRatio(), MASK, Level.SEQUENCE, 3.0, 0.2);
        assertArrayEquals(MASK[0], wide.responseMask()[0]);
        assertArrayEquals(MASK[1], wide.responseMask()[1]);
        // Geometric: 2.8125^(1/3) ≈ 1.41 and 0.25^(1/3) ≈ 0.63. Band [1/1.5, 1.5] keeps row 0 and drops row 1.
        double geometric0 = Math.exp(Math.log(2.8125) / (3 + 1e-8));
        assertTrue(geometric0 < 1.5 && Math.pow(0.25, 1.0 / 3) < 1 / 1.5);
        RolloutCorrection.Rejection geometric =
                RolloutCorrection.rejectionMask(logRatio(), MASK, Level.GEOMETRIC, 1.5, null);
        assertArrayEquals(MASK[0], geometric.responseMask()[0]);
        assertArrayEquals(new double[] {0, 0, 0, 0}, geometric.responseMask()[1]);
        assertEquals(0.5, metric(geometric.metrics(), "rollout_rs_seq_masked_fraction"));
        assertEquals(3 / (6 + 1e-8), metric(geometric.metrics(), "rollout_rs_masked_fraction"), EXACT);
        assertEquals(geometric0, metric(geometric.metrics(), "rollout_rs_max"), 1e-9);
    }

    @Test
    void theVetoDropsASequenceWithOneCatastrophicToken() {
        // 0.2 < 0.25 in row 1; the masked-out 7 and padding 9 of the ratios never count.
        RolloutCorrection.Rejection veto = RolloutCorrection.veto(logRatio(), MASK, 0.25);
        assertArrayEquals(MASK[0], veto.responseMask()[0]);
        assertArrayEquals(new double[] {0, 0, 0, 0}, veto.responseMask()[1]);
        assertEquals(0.5, metric(veto.metrics(), "rollout_is_veto_fraction"));
        assertEquals(1 / (6 + 1e-8), metric(veto.metrics(), "rollout_is_catastrophic_token_fraction"), EXACT);
        assertThrows(IllegalArgumentException.class, () -> RolloutCorrection.veto(logRatio(), MASK, 0));
    }

    @Test
    void offPolicyMetricsAreVerlsEstimators() {
        double[][] old = oldLogProbs();
        double[][] rollout = rolloutLogProbs();
        Map<String, Double> m = RolloutCorrection.offPolicyMetrics(old, rollout, MASK);
        // Recomputed with plain loops: k1, k3, χ² over the six tokens; per-sequence perplexities.
        double k1 = 0;
        double k3 = 0;
        double chi2 = 0;
        double tokens = 0;
        double trainingPpl = 0;
        double rolloutPpl = 0;
        double chi2Seq = 0;
        for (int b = 0; b < 2; b++) {
            double trainSum = 0;
            double rolloutSum = 0;
            double logRatioSum = 0;
            double rowTokens = 0;
            for (int t = 0; t < 4; t++) {
                if (MASK[b][t] == 1) {
                    double r = RATIOS[b][t];
                    k1 += -Math.log(r);
                    k3 += r - Math.log(r) - 1;
                    chi2 += r * r;
                    tokens++;
                    trainSum += old[b][t];
                    rolloutSum += rollout[b][t];
                    logRatioSum += Math.log(r);
                    rowTokens++;
                }
            }
            trainingPpl += Math.exp(-trainSum / rowTokens) / 2;
            rolloutPpl += Math.exp(-rolloutSum / rowTokens) / 2;
            chi2Seq += Math.exp(2 * logRatioSum) / 2;
        }
        assertEquals(k1 / tokens, metric(m, "kl"), 1e-8);
        assertEquals(k3 / tokens, metric(m, "k3_kl"), 1e-8);
        assertEquals(chi2 / tokens - 1, metric(m, "chi2_token"), 1e-8);
        assertEquals(chi2Seq - 1, metric(m, "chi2_seq"), 1e-8);
        assertEquals(trainingPpl, metric(m, "training_ppl"), 1e-7);
        assertEquals(rolloutPpl, metric(m, "rollout_ppl"), 1e-7);
        // Row 0: mean log ρ = log(2.8125)/3, so log_ppl_diff (rollout − train mean log-prob) = −log(2.8125)/3.
        assertEquals(-Math.log(2.8125) / 3, metric(m, "log_ppl_diff_min"), 1e-8);
        assertEquals(-Math.log(0.25) / 3, metric(m, "log_ppl_diff_max"), 1e-8);
        assertEquals(-(Math.log(2.8125) + Math.log(0.25)) / 6, metric(m, "log_ppl_diff"), 1e-8);
        assertEquals((Math.log(2.8125) - Math.log(0.25)) / 6, metric(m, "log_ppl_abs_diff"), 1e-8);
        assertEquals((Math.pow(2.8125, -1.0 / 3) + Math.pow(0.25, -1.0 / 3)) / 2, metric(m, "ppl_ratio"), 1e-8);
    }

    @Test
    void identicalLogProbsGiveExactlyZeroGapAndUnitWeights() {
        double[][] same = rolloutLogProbs();
        Map<String, Double> gap = RolloutCorrection.probsDiff(same, same, MASK);
        assertEquals(0.0, gap.get("training/rollout_probs_diff_max"));
        assertEquals(0.0, gap.get("training/rollout_probs_diff_mean"));
        assertEquals(6.0, gap.get("training/rollout_probs_diff_tokens"));
        assertEquals(0.0, RolloutCorrection.offPolicyMetrics(same, same, MASK).get("rollout_corr/kl"));
        RolloutCorrection.Weights is = RolloutCorrection.isWeights(
                RolloutCorrection.logRatio(same, same, MASK), MASK, Level.TOKEN, 2.0, false);
        assertArrayEquals(MASK[0], is.weights()[0]);
        assertArrayEquals(MASK[1], is.weights()[1]);
    }

    @Test
    void probsDiffIsTheGapInProbability() {
        Map<String, Double> gap = RolloutCorrection.probsDiff(oldLogProbs(), rolloutLogProbs(), MASK);
        double max = 0;
        double sum = 0;
        double[][] rollout = rolloutLogProbs();
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 4; t++) {
                if (MASK[b][t] == 1) {
                    double p = Math.exp(rollout[b][t]);
                    double diff = Math.abs(p * RATIOS[b][t] - p);
                    max = Math.max(max, diff);
                    sum += diff;
                }
            }
        }
        assertEquals(max, gap.get("training/rollout_probs_diff_max"), 1e-12);
        assertEquals(sum / 6, gap.get("training/rollout_probs_diff_mean"), 1e-12);
    }

    /** NaN and huge values where the mask is 0 change no weight, mask or metric. */
    @Test
    void maskedOutTokensNeverAffectAnything() {
        RolloutCorrectionConfig all = new RolloutCorrectionConfig(Level.SEQUENCE, 2.0, true, Level.TOKEN, 2.0, 0.1,
                1e-3, false);
        RolloutCorrection.Result clean = RolloutCorrection.compute(oldLogProbs(), rolloutLogProbs(), MASK, all);
        double[][] old = oldLogProbs();
        double[][] rollout = rolloutLogProbs();
        old[0][1] = Double.NaN;
        rollout[0][1] = 1e300;
        old[1][3] = Double.POSITIVE_INFINITY;
        rollout[1][3] = -1e300;
        RolloutCorrection.Result dirty = RolloutCorrection.compute(old, rollout, MASK, all);
        for (int b = 0; b < 2; b++) {
            assertArrayEquals(clean.isWeights()[b], dirty.isWeights()[b]);
            assertArrayEquals(clean.responseMask()[b], dirty.responseMask()[b]);
        }
        assertEquals(clean.metrics(), dirty.metrics());
        for (double value : clean.metrics().values()) {
            assertTrue(Double.isFinite(value));
        }
    }

    @Test
    void computeAppliesRejectionThenVetoAndReportsEverything() {
        RolloutCorrectionConfig config = new RolloutCorrectionConfig(Level.TOKEN, 2.0, false, Level.TOKEN, 2.0, 0.1,
                0.25, false);
        RolloutCorrection.Result result = RolloutCorrection.compute(oldLogProbs(), rolloutLogProbs(), MASK, config);
        // Rejection drops the 3 of row 0; the veto drops row 1 (its 0.2 < 0.25).
        assertArrayEquals(new double[] {0, 0, 1, 1}, result.responseMask()[0]);
        assertArrayEquals(new double[] {0, 0, 0, 0}, result.responseMask()[1]);
        assertArrayEquals(new double[] {2, 0, 0.625, 1.5}, result.isWeights()[0], EXACT);
        for (String name : new String[] {"rollout_is_mean", "rollout_rs_masked_fraction", "rollout_is_veto_fraction",
                "kl", "k3_kl", "chi2_seq"}) {
            metric(result.metrics(), name);
        }
        // Nothing configured: no weights, the mask as it was, the metrics still there.
        RolloutCorrection.Result off = RolloutCorrection.compute(oldLogProbs(), rolloutLogProbs(), MASK,
                RolloutCorrectionConfig.OFF);
        assertNull(off.isWeights());
        assertArrayEquals(MASK[1], off.responseMask()[1]);
        assertEquals(0.0, metric(off.metrics(), "rollout_is_veto_fraction"));
        metric(off.metrics(), "kl");
    }

    /**
     * The weights are constants in the loss: with REINFORCE's per-token loss −A·log π (token-mean), the weighted
     * loss is Σ w·(−A·log π) / N and its gradient −w·A / N; for PPO's clipped loss the weighted gradient is w times
     * the unweighted one, and matches central differences of the weighted loss.
     */
    @Test
    void weightsScaleEachTokensLossAndGradient() {
        double[][] weights = RolloutCorrection.isWeights(logRatio(), MASK, Level.TOKEN, 2.0, false).weights();
        double[][] logProbs = {{-0.9, -2.0, -0.7, -2.5}, {-0.3, -1.2, -2.1, 0.0}};
        double[][] advantages = {{1.0, 1.0, 1.0, 1.0}, {-0.5, -0.5, -0.5, -0.5}};
        double[][] old = rolloutLogProbs();
        PolicyLossInput weighted = new PolicyLossInput(old, logProbs, advantages, MASK, PolicyLossConfig.DEFAULT, null,
                weights);
        PolicyLossResult reinforce = PolicyLosses.perToken(weighted,
                (oldLogProb, logProb, advantage) -> new PolicyLosses.TokenLoss(-advantage * logProb, -advantage));
        double loss = 0;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 4; t++) {
                if (MASK[b][t] == 1) {
                    loss += weights[b][t] * -advantages[b][t] * logProbs[b][t] / 6;
                    assertEquals(-weights[b][t] * advantages[b][t] / 6, reinforce.gradLogProbs()[b][t], 1e-15);
                } else {
                    assertEquals(0.0, reinforce.gradLogProbs()[b][t]);
                }
            }
        }
        assertEquals(loss, reinforce.loss(), 1e-15);

        PolicyLossResult plain = PolicyLosses.vanilla(new PolicyLossInput(old, logProbs, advantages, MASK,
                PolicyLossConfig.DEFAULT));
        PolicyLossResult ppo = PolicyLosses.vanilla(weighted);
        double step = 1e-6;
        for (int b = 0; b < 2; b++) {
            for (int t = 0; t < 4; t++) {
                assertEquals(weights[b][t] * plain.gradLogProbs()[b][t], ppo.gradLogProbs()[b][t], 1e-15);
                double saved = logProbs[b][t];
                logProbs[b][t] = saved + step;
                double up = PolicyLosses.vanilla(weighted).loss();
                logProbs[b][t] = saved - step;
                double down = PolicyLosses.vanilla(weighted).loss();
                logProbs[b][t] = saved;
                double numeric = (up - down) / (2 * step);
                assertEquals(numeric, ppo.gradLogProbs()[b][t], 1e-8 + 1e-6 * Math.abs(numeric), b + "," + t);
            }
        }
        // Clip fraction and ppo_kl are the ratio's, not the weights'.
        assertEquals(plain.pgClipfrac(), ppo.pgClipfrac());
        assertEquals(plain.ppoKl(), ppo.ppoKl());
    }

    @Test
    void badSettingsAreRefusedNamingTheKey() {
        assertEquals("rollout_rs_threshold must be set when rollout_rs is geometric (verl requires it too)",
                assertThrows(IllegalArgumentException.class, () -> new RolloutCorrectionConfig(null, 2.0, false,
                        Level.GEOMETRIC, null, null, null, false)).getMessage());
        assertEquals("unknown rollout_is 'geometric'; expected one of token, sequence, or null",
                assertThrows(IllegalArgumentException.class, () -> RolloutCorrectionConfig.level("rollout_is",
                        "geometric", RolloutCorrectionConfig.IS_LEVELS)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RolloutCorrectionConfig(Level.TOKEN, 2.0,
                false, null, null, null, null, true)).getMessage().startsWith("bypass_mode uses the rollout's"));
    }
}
