package dev.reason4j.algo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Degenerate batches must give finite results, as in verl; bad input must fail with a message naming the field. */
class EdgeCaseTest {
    /** Row 0: a normal response; row 1: fully masked; row 2: a single token. */
    private static final double[][] MASK = {{1, 1, 1, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}};

    static Stream<String> estimators() {
        return AdvantageEstimators.names().stream();
    }

    @ParameterizedTest
    @MethodSource("estimators")
    void everyEstimatorIsFiniteWithAFullyMaskedRowAndGroupsOfOne(String name) {
        double[][] rewards = {{0, 0, 1, 0}, {0, 0, 0, 0}, {0.5, 0, 0, 0}};
        AdvantageInput input = new AdvantageInput(rewards, MASK, new int[] {0, 1, 2},
                new double[][] {{0.1, 0.2, 0.3, 0}, {0, 0, 0, 0}, {0.4, 0, 0, 0}}, new double[] {0.5, 0.5, 0.5},
                AdvantageConfig.DEFAULT.withGamma(0.9).withLambda(0.95));
        Advantages advantages = AdvantageEstimators.get(name).compute(input);
        assertFinite(name + " advantages", advantages.advantages());
        assertFinite(name + " returns", advantages.returns());
    }

    @Test
    void grpoGroupOfOneUsesMeanZeroStdOne() {
        Advantages result = AdvantageEstimators.get("grpo").compute(
                AdvantageInput.grouped(new double[][] {{0, 2}}, new double[][] {{1, 1}}, new int[] {7}, null));
        assertEquals(2 / (1 + 1e-6), result.advantages()[0][0], 1e-15);
        assertEquals(2 / (1 + 1e-6), result.advantages()[0][1], 1e-15);
    }

    @Test
    void grpoIdenticalRewardsGiveZeroAdvantage() {
        double[][] rewards = {{0, 1}, {0, 1}, {1, 0}};
        double[][] mask = {{1, 1}, {1, 1}, {1, 1}};
        for (boolean normalise : List.of(true, false)) {
            Advantages result = AdvantageEstimators.get("grpo").compute(AdvantageInput.grouped(rewards, mask,
                    new int[] {3, 3, 3}, AdvantageConfig.DEFAULT.withNormAdvByStd(normalise)));
            for (double[] row : result.advantages()) {
                assertArrayEquals(new double[] {0, 0}, row, 0);
            }
        }
    }

    @Test
    void grpoAndDrGrpoOnATwoResponseGroup() {
        double[][] rewards = {{0, 1}, {0, 0}};
        double[][] mask = {{1, 1}, {1, 0}};
        // mean 0.5, unbiased std sqrt(0.5): ±0.5/(0.7071… + 1e-6); Dr.GRPO: ±0.5.
        double expected = 0.5 / (Math.sqrt(0.5) + 1e-6);
        Advantages grpo = AdvantageEstimators.get("grpo").compute(
                AdvantageInput.grouped(rewards, mask, new int[] {0, 0}, AdvantageConfig.DEFAULT));
        assertArrayEquals(new double[] {expected, expected}, grpo.advantages()[0], 1e-15);
        assertArrayEquals(new double[] {-expected, 0}, grpo.advantages()[1], 1e-15);
        Advantages drGrpo = AdvantageEstimators.get("grpo").compute(AdvantageInput.grouped(rewards, mask,
                new int[] {0, 0}, AdvantageConfig.DEFAULT.withNormAdvByStd(false)));
        assertArrayEquals(new double[] {-0.5, 0}, drGrpo.advantages()[1], 0);
    }

    @Test
    void rlooUsesTheOtherResponsesAsBaseline() {
        double[][] rewards = {{1}, {0}, {0}, {2}};
        double[][] mask = {{1}, {1}, {1}, {1}};
        Advantages result = AdvantageEstimators.get("rloo").compute(
                AdvantageInput.grouped(rewards, mask, new int[] {0, 0, 0, 1}, null));
        assertEquals(1.0, result.advantages()[0][0], 1e-15);   // 1 − mean(0, 0)
        assertEquals(-0.5, result.advantages()[1][0], 1e-15);  // 0 − mean(1, 0)
        assertEquals(2.0, result.advantages()[3][0], 0);       // group of one keeps its score
    }

    @ParameterizedTest
    @MethodSource("lossesAndModes")
    void everyPolicyLossIsFiniteWithMaskedRowsAndAnEmptyBatch(String name, LossAggregation mode) {
        double[][] old = {{-1, -2, -0.5, Double.NaN}, {Double.NaN, -1, -1, -1}, {-0.3, 5, 5, 5}};
        double[][] logProbs = {{-0.8, -2.5, -0.4, Double.NaN}, {-1, Double.NEGATIVE_INFINITY, -1, -1}, {-0.2, 0, 0, 0}};
        double[][] advantages = {{1, 1, 1, 1}, {-1, -1, -1, -1}, {-2, 0, 0, 0}};
        PolicyLossConfig config = PolicyLossConfig.DEFAULT.withLossAggMode(mode);
        PolicyLossResult result = PolicyLosses.get(name).compute(
                new PolicyLossInput(old, logProbs, advantages, MASK, config));
        assertTrue(Double.isFinite(result.loss()), name + " loss " + result.loss());
        assertFinite(name + " grad", result.gradLogProbs());
        assertArrayEquals(new double[4], result.gradLogProbs()[1], 0, "a fully masked row gets no gradient");
        result.metrics().forEach((key, value) -> assertTrue(Double.isFinite(value), key));

        double[][] empty = {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
        PolicyLossResult none = PolicyLosses.get(name).compute(
                new PolicyLossInput(old, logProbs, advantages, empty, config));
        assertEquals(0.0, none.loss(), 0);
        assertFinite(name + " grad (empty)", none.gradLogProbs());
    }

    static Stream<org.junit.jupiter.params.provider.Arguments> lossesAndModes() {
        return PolicyLosses.names().stream().flatMap(name -> Stream.of(LossAggregation.values())
                .map(mode -> org.junit.jupiter.params.provider.Arguments.of(name, mode)));
    }

    @Test
    void dualClipCapsTheLossOfANegativeAdvantageAndStopsItsGradient() {
        // ratio e^2 ≈ 7.4 with A = −1: the clipped loss −A·clip(r) = 1.2 < −A·r = 7.4, capped at −A·c = 3.
        PolicyLossResult result = PolicyLosses.vanilla(new PolicyLossInput(new double[][] {{0}}, new double[][] {{2}},
                new double[][] {{-1}}, new double[][] {{1}}, PolicyLossConfig.DEFAULT));
        assertEquals(3.0, result.loss(), 0);
        assertEquals(0.0, result.gradLogProbs()[0][0], 0);
        assertEquals(1.0, result.pgClipfracLower(), 1e-7);
    }

    @Test
    void clipHigherWidensOnlyTheUpperRange() {
        // r = 1.25, A = 1: clipped at 1.2 with the symmetric range, not with DAPO's 1.28 ceiling.
        double[][] old = {{0}};
        double[][] logProbs = {{Math.log(1.25)}};
        double[][] advantage = {{1}};
        double[][] mask = {{1}};
        PolicyLossResult symmetric = PolicyLosses.vanilla(
                new PolicyLossInput(old, logProbs, advantage, mask, PolicyLossConfig.DEFAULT));
        PolicyLossResult clipHigher = PolicyLosses.vanilla(new PolicyLossInput(old, logProbs, advantage, mask,
                PolicyLossConfig.DEFAULT.withClipRange(0.2, 0.28)));
        assertEquals(-1.2, symmetric.loss(), 1e-15);
        assertEquals(0.0, symmetric.gradLogProbs()[0][0], 0);
        assertEquals(-1.25, clipHigher.loss(), 1e-15);
        assertEquals(-1.25, clipHigher.gradLogProbs()[0][0], 1e-15);
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void aggregationsOfAnEmptyBatchAreZero(LossAggregation mode) {
        double[][] empty = {{0, 0}, {0, 0}};
        assertEquals(0.0, mode.aggregate(new double[][] {{1, 2}, {3, 4}}, empty), 0);
        assertFinite(mode.verlName(), mode.weights(empty));
    }

    @ParameterizedTest
    @EnumSource(LossAggregation.class)
    void microBatchesWithTheGlobalCountsAddUpToTheMiniBatch(LossAggregation mode) {
        double[][] old = {{-1, -2, -0.5, -1}, {-1, -1, -1, -1}, {-0.3, -1, -1, -1}, {-2, -2, -1, -1}};
        double[][] logProbs = {{-0.8, -2.5, -0.4, -1}, {-1, -1, -1, -1}, {-0.2, -1, -1, -1}, {-1.5, -2, -1, -1}};
        double[][] advantages = {{1, 1, 1, 1}, {-1, -1, -1, -1}, {-2, -2, -2, -2}, {0.5, 0.5, 0.5, 0.5}};
        double[][] mask = {{1, 1, 1, 0}, {0, 0, 0, 0}, {1, 0, 0, 0}, {1, 1, 1, 1}};
        PolicyLossConfig config = PolicyLossConfig.DEFAULT.withLossAggMode(mode);
        PolicyLossResult whole = PolicyLosses.vanilla(new PolicyLossInput(old, logProbs, advantages, mask, config));
        GlobalBatch global = GlobalBatch.of(mask);
        double summed = 0;
        for (int start = 0; start < 4; start += 2) {
            PolicyLossResult micro = PolicyLosses.vanilla(new PolicyLossInput(
                    java.util.Arrays.copyOfRange(old, start, start + 2),
                    java.util.Arrays.copyOfRange(logProbs, start, start + 2),
                    java.util.Arrays.copyOfRange(advantages, start, start + 2),
                    java.util.Arrays.copyOfRange(mask, start, start + 2), config, global));
            summed += micro.loss();
            for (int row = 0; row < 2; row++) {
                assertArrayEquals(whole.gradLogProbs()[start + row], micro.gradLogProbs()[row], 1e-15);
            }
        }
        assertEquals(whole.loss(), summed, 1e-15);
    }

    @Test
    void seqMeanTokenSumNormDividesByTheConstant() {
        double[][] losses = {{1, 2, 3}, {4, 5, 0}};
        double[][] mask = {{1, 1, 1}, {1, 1, 0}};
        assertEquals(5.0, LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM.aggregate(losses, mask), 1e-15); // 15 / 3
        assertEquals(1.5, LossAggregation.SEQ_MEAN_TOKEN_SUM_NORM.aggregate(losses, mask, 10.0, null), 1e-15);
        assertEquals(3.0, LossAggregation.TOKEN_MEAN.aggregate(losses, mask), 1e-15);
        assertEquals(7.5, LossAggregation.SEQ_MEAN_TOKEN_SUM.aggregate(losses, mask), 1e-15);
        assertEquals(3.25, LossAggregation.SEQ_MEAN_TOKEN_MEAN.aggregate(losses, mask), 1e-7); // (6/3 + 9/2) / 2
    }

    @Test
    void whiteningASingleTokenStaysFinite() {
        double[][] whitened = Masked.whiten(new double[][] {{3, 7}}, new double[][] {{1, 0}});
        assertFinite("whitened", whitened);
        assertEquals(0.0, whitened[0][0], 1e-3); // not exactly 0: verl's 1e-8 in the mean's denominator
    }

    @Test
    void valueLossAndEntropyAreFiniteWithAFullyMaskedRow() {
        double[][] zeros = new double[3][4];
        ValueLoss.Result value = ValueLoss.compute(zeros, zeros, zeros, MASK, 0.5, LossAggregation.TOKEN_MEAN, null,
                null);
        assertTrue(Double.isFinite(value.loss()));
        double[][][] logits = new double[3][4][3];
        logits[0][0][2] = Double.NEGATIVE_INFINITY; // a banned token
        EntropyLoss.Result<double[][][]> entropy =
                EntropyLoss.fromLogits(logits, MASK, LossAggregation.SEQ_MEAN_TOKEN_MEAN, null, null);
        assertTrue(Double.isFinite(entropy.loss()));
        for (double[][] row : entropy.grad()) {
            assertFinite("entropy grad", row);
        }
    }

    @Test
    void k3IsClampedAsInVerl() {
        // log π_ref − log π_θ = 30 is clamped to 20, e^20 − 20 − 1 to 10; both clamps stop the gradient.
        assertEquals(10.0, KlEstimators.K3.value(-30, 0), 0);
        assertEquals(0.0, KlEstimators.K3.gradLogProb(-30, 0), 0);
        assertEquals(Math.exp(-1) + 1 - 1, KlEstimators.K3.value(0, -1), 1e-15);
        assertEquals(1 - Math.exp(-1), KlEstimators.K3.gradLogProb(0, -1), 1e-15);
        assertEquals(KlEstimators.K3.value(0.3, -1), KlEstimators.get("k3+").value(0.3, -1), 0);
        assertEquals(1.3, KlEstimators.get("low_var_kl+").gradLogProb(0.3, -1), 1e-15);
    }

    @Test
    void klControllers() {
        KlController fixed = new FixedKlController(0.05);
        fixed.update(10, 100);
        assertEquals(0.05, fixed.value(), 0);
        AdaptiveKlController adaptive = new AdaptiveKlController(0.1, 6.0, 10000);
        adaptive.update(12.0, 256); // error clipped to 0.2: β·(1 + 0.2·256/10000)
        assertEquals(0.1 * (1 + 0.2 * 256 / 10000.0), adaptive.value(), 1e-15);
        adaptive.update(3.0, 256); // error −0.5 clipped to −0.2
        assertEquals(0.1 * (1 + 0.2 * 256 / 10000.0) * (1 - 0.2 * 256 / 10000.0), adaptive.value(), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveKlController(0.1, 6.0, 0));
        assertEquals(0.001, KlController.create("fixed", 0.001, 0, 0).value(), 0);
        assertTrue(KlController.create("adaptive", 0.001, 0.1, 10000) instanceof AdaptiveKlController);
        IllegalArgumentException typo = assertThrows(IllegalArgumentException.class,
                () -> KlController.create("adaptiv", 0.001, 0.1, 1));
        assertEquals("algorithm.kl_ctrl.type must be fixed or adaptive, got 'adaptiv' — did you mean adaptive?",
                typo.getMessage());
    }

    @Test
    void klInRewardSubtractsBetaTimesKlAndMeasuresTheBatchKl() {
        double[][] scores = {{0, 1}, {0, 0}};
        double[][] old = {{-1, -2}, {-1, -1}};
        double[][] ref = {{-1.5, -1}, {-1, -1}};
        double[][] mask = {{1, 1}, {1, 0}};
        AdaptiveKlController controller = new AdaptiveKlController(0.5, 1.0, 100);
        KlPenalty.PenalizedRewards result =
                KlPenalty.applyToRewards(scores, old, ref, mask, controller.value(), KlEstimators.K1);
        controller.update(result.currentKl(), mask.length);
        assertArrayEquals(new double[] {-0.25, 1.5}, result.tokenLevelRewards()[0], 1e-15);
        assertArrayEquals(new double[] {0, 0}, result.tokenLevelRewards()[1], 1e-15);
        // row KLs: (0.5 − 1)/2 = −0.25 and 0; batch KL −0.125 (to 1e-8 for verl's masked-mean epsilon)
        assertEquals(-0.125, result.currentKl(), 1e-8);
        assertEquals(0.5, result.coefficient(), 0);
        assertEquals(0.5 * (1 - 0.2 * 2 / 100.0), controller.value(), 1e-15);
    }

    @Test
    void unknownNamesListTheRegisteredOnes() {
        IllegalArgumentException estimator =
                assertThrows(IllegalArgumentException.class, () -> AdvantageEstimators.get("grp"));
        assertTrue(estimator.getMessage().contains("grpo"), estimator.getMessage());
        IllegalArgumentException loss = assertThrows(IllegalArgumentException.class, () -> PolicyLosses.get("ppo"));
        assertTrue(loss.getMessage().contains("vanilla"), loss.getMessage());
        IllegalArgumentException kl = assertThrows(IllegalArgumentException.class, () -> KlEstimators.get("k4"));
        assertTrue(kl.getMessage().contains("low_var_kl"), kl.getMessage());
        IllegalArgumentException mode =
                assertThrows(IllegalArgumentException.class, () -> LossAggregation.of("token_mean"));
        assertTrue(mode.getMessage().contains("token-mean"), mode.getMessage());
    }

    @Test
    void badShapesAndMissingInputsNameTheField() {
        double[][] mask = {{1, 1}};
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> new PolicyLossInput(new double[][] {{0, 0}}, new double[][] {{0}}, new double[][] {{0, 0}}, mask,
                        null));
        assertTrue(shape.getMessage().startsWith("logProbs row 0"), shape.getMessage());
        IllegalArgumentException groups = assertThrows(IllegalArgumentException.class,
                () -> AdvantageEstimators.get("grpo").compute(
                        new AdvantageInput(new double[][] {{0, 1}}, mask, null, null, null, null)));
        assertTrue(groups.getMessage().contains("groupIds"), groups.getMessage());
        IllegalArgumentException values = assertThrows(IllegalArgumentException.class,
                () -> AdvantageEstimators.get("gae").compute(
                        new AdvantageInput(new double[][] {{0, 1}}, mask, null, null, null, null)));
        assertTrue(values.getMessage().contains("values"), values.getMessage());
        IllegalArgumentException dualClip = assertThrows(IllegalArgumentException.class,
                () -> PolicyLosses.vanilla(new PolicyLossInput(new double[][] {{0, 0}}, new double[][] {{0, 0}},
                        new double[][] {{0, 0}}, mask, PolicyLossConfig.DEFAULT.withClipRatioC(1.0))));
        assertTrue(dualClip.getMessage().contains("clip_ratio_c"), dualClip.getMessage());
    }

    @Test
    void aUserAddsAnEstimatorAndALossInAFewLines() {
        // Mean-baseline without std (like Dr.GRPO) under a new name, and plain REINFORCE as a per-token loss.
        AdvantageEstimators.register("test_score_only", in -> {
            double[][] advantages = new double[in.tokenLevelRewards().length][];
            for (int b = 0; b < advantages.length; b++) {
                double score = java.util.Arrays.stream(in.tokenLevelRewards()[b]).sum();
                advantages[b] = java.util.Arrays.stream(in.responseMask()[b]).map(m -> m * score).toArray();
            }
            return new Advantages(advantages, advantages);
        });
        PolicyLosses.register("test_reinforce", in -> PolicyLosses.perToken(in,
                (oldLogProb, logProb, advantage) -> new PolicyLosses.TokenLoss(-advantage * logProb, -advantage)));

        double[][] mask = {{1, 1, 0}};
        Advantages advantages = AdvantageEstimators.get("test_score_only").compute(
                new AdvantageInput(new double[][] {{0, 0, 2}}, mask, null, null, null, null));
        assertArrayEquals(new double[] {2, 2, 0}, advantages.advantages()[0], 0);
        PolicyLossResult result = PolicyLosses.get("test_reinforce").compute(new PolicyLossInput(
                new double[][] {{-1, -1, -1}}, new double[][] {{-1, -3, -1}}, advantages.advantages(), mask, null));
        assertEquals(4.0, result.loss(), 1e-15); // token-mean of −2·(−1) and −2·(−3)
        assertArrayEquals(new double[] {-1, -1, 0}, result.gradLogProbs()[0], 1e-15);
        // Leave the registries as they were: other tests list the registered names.
        AdvantageEstimators.unregister("test_score_only");
        PolicyLosses.unregister("test_reinforce");
    }

    private static void assertFinite(String what, double[][] matrix) {
        for (int b = 0; b < matrix.length; b++) {
            for (int t = 0; t < matrix[b].length; t++) {
                assertTrue(Double.isFinite(matrix[b][t]), what + "[" + b + "][" + t + "] = " + matrix[b][t]);
            }
        }
    }
}
